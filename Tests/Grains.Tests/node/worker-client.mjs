// A real gRPC client (@grpc/grpc-js, the reference Node implementation) against the worker API.
// Usage: node worker-client.mjs <host:port> <worker.proto> <prompt token ids as JSON>
// Prints one JSON line with what each call returned.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [, , address, protoPath, promptJson] = process.argv;
const definition = protoLoader.loadSync(protoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const Worker = grpc.loadPackageDefinition(definition).dynamo.worker.v1.Worker;
const client = new Worker(address, grpc.credentials.createInsecure());
const prompt = JSON.parse(promptJson);

const unary = (method, request) =>
  new Promise((resolve, reject) => client[method](request, (error, reply) => (error ? reject(error) : resolve(reply))));

const sampling = (maxTokens, extra = {}) => ({ temperature: 0, top_p: 1, repetition_penalty: 1, max_tokens: maxTokens, ignore_eos: true, ...extra });

const collect = (request, options = {}) =>
  new Promise((resolve, reject) => {
    const outputs = [];
    const call = client.Generate(request, options);
    call.on('data', (output) => outputs.push(output));
    call.on('end', () => resolve(outputs));
    call.on('error', reject);
  });

const codeOf = async (promise) => {
  try {
    await promise;
    return 0;
  } catch (error) {
    return error.code;
  }
};

const health = await unary('Health', {});
const greedy = await collect({ request_id: 'node-greedy', prompt_token_ids: prompt, sampling: sampling(12, { logprobs: 0 }) });
const invalidCode = await codeOf(collect({ request_id: 'node-invalid', prompt_token_ids: [1, 100000], sampling: sampling(4) }));
const deadlineCode = await codeOf(collect({ request_id: 'node-deadline', prompt_token_ids: prompt, sampling: sampling(4000) }, { deadline: Date.now() + 300 }));
const cancelCode = await new Promise((resolve) => {
  let seen = 0;
  const call = client.Generate({ request_id: 'node-cancel', prompt_token_ids: prompt, sampling: sampling(4000) });
  call.on('data', () => {
    if (++seen === 3) call.cancel();
  });
  call.on('error', (error) => resolve(error.code));
  call.on('end', () => resolve(0));
});
const load = await unary('Load', {});
const kv = await unary('KvIndex', {});

console.log(JSON.stringify({
  model: health.model.name,
  blockSize: health.model.block_size,
  status: health.status,
  tokens: greedy.map((o) => o.token_id),
  logprobs: greedy.map((o) => o.logprob),
  finish: greedy.map((o) => o.finish),
  invalidCode,
  deadlineCode,
  cancelCode,
  kvBlocks: kv.blocks.length,
  kvBlocksTotal: load.kv_blocks_total,
}));
client.close();
