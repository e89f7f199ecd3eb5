// The openai npm package against a DynamoOrleans gateway (or any OpenAI-compatible server): list the models,
// one chat, one streamed chat printed as its deltas arrive, then a tool call and its answer.
// Usage: node chat.mjs [--base-url URL] [--model NAME]   (env: OPENAI_BASE_URL, OPENAI_API_KEY)
import OpenAI from 'openai';

const args = process.argv.slice(2);
let baseURL = process.env.OPENAI_BASE_URL || 'http://127.0.0.1:8000/v1';
let model = null;
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === '--base-url' && i + 1 < args.length) baseURL = args[i + 1];
  else if (args[i] === '--model' && i + 1 < args.length) model = args[i + 1];
  else {
    console.error(`unexpected argument '${args[i]}'\nusage: node chat.mjs [--base-url URL] [--model NAME]`);
    process.exit(2);
  }
}

const client = new OpenAI({ baseURL, apiKey: process.env.OPENAI_API_KEY || 'none' });
const maxTokens = 48;
const describe = (u) =>
  `usage: prompt ${u.prompt_tokens}, completion ${u.completion_tokens}, total ${u.total_tokens}, cached ${u.prompt_tokens_details?.cached_tokens ?? 0}`;

const models = await client.models.list();
console.log('models: ' + models.data.map((m) => m.id).join(', '));
model ??= models.data[0]?.id;
if (!model) throw new Error('the server lists no models; pass --model');

const chat = await client.chat.completions.create({
  model, messages: [{ role: 'user', content: 'Hello! Who are you?' }], max_tokens: maxTokens,
});
console.log('chat: ' + (chat.choices[0].message.content ?? ''));
console.log(`chat ${describe(chat.usage)}, finish ${chat.choices[0].finish_reason}`);

// include_usage: the last chunk has no choices, only the usage.
process.stdout.write('stream: ');
let usage = null;
const stream = await client.chat.completions.create({
  model, messages: [{ role: 'user', content: 'Tell me a short story.' }], max_tokens: maxTokens,
  stream: true, stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
  if (chunk.usage) usage = chunk.usage;
}
process.stdout.write('\n');
console.log(usage ? 'stream ' + describe(usage) : 'stream usage: none');

const tools = [{
  type: 'function',
  function: {
    name: 'get_weather', description: 'The current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
const first = await client.chat.completions.create({ model, messages, tools, max_tokens: maxTokens });
const reply = first.choices[0];
if (reply.finish_reason !== 'tool_calls') {
  // Small or random-weight models (the demo) often answer in prose instead.
  console.log('tool: no call, the model answered: ' + (reply.message.content ?? ''));
} else {
  messages.push(reply.message);
  for (const call of reply.message.tool_calls) {
    console.log(`tool: ${call.function.name}(${call.function.arguments})`);
    messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature_c: 18, sky: 'clear' }) });
  }
  const answer = await client.chat.completions.create({ model, messages, tools, max_tokens: maxTokens });
  console.log('tool answer: ' + (answer.choices[0].message.content ?? ''));
}
