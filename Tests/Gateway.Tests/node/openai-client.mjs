// Drives the gateway with the official `openai` npm package. Usage: node openai-client.mjs BASE_URL API_KEY
// Prints one JSON object with what it saw; exits 1 on the first failed check.
import OpenAI from 'openai';

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const result = {};
const check = (ok, what) => { if (!ok) { console.error('FAILED: ' + what + ' ' + JSON.stringify(result)); process.exit(1); } };

const models = await client.models.list();
result.models = models.data.map(m => m.id);

const chat = await client.chat.completions.create({
  model: 'fake-model', messages: [{ role: 'user', content: 'hello' }], max_tokens: 50, temperature: 0,
});
result.chat = chat.choices[0].message.content;
result.chatUsage = chat.usage;

let streamed = '';
let usage = null;
const stream = await client.chat.completions.create({
  model: 'fake-model', messages: [{ role: 'user', content: 'hello' }], stream: true, stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  if (chunk.choices.length > 0) streamed += chunk.choices[0].delta.content ?? '';
  if (chunk.usage) usage = chunk.usage;
}
result.streamed = streamed;
result.streamUsage = usage;
check(streamed === result.chat, 'streamed text equals non-streamed text');

const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const runner = client.chat.completions.stream({
  model: 'fake-model', messages: [{ role: 'user', content: 'weather in Paris?' }], tools,
});
const final = await runner.finalChatCompletion();
result.toolCall = final.choices[0].message.tool_calls?.[0]?.function ?? null;
result.toolFinish = final.choices[0].finish_reason;

// Raw stream: the arguments arrive as several fragments that concatenate to the non-streamed string.
const toolArgs = {};
let toolFragments = 0;
const toolStream = await client.chat.completions.create({
  model: 'fake-model', messages: [{ role: 'user', content: 'weather in Paris?' }], tools, stream: true,
});
for await (const chunk of toolStream) {
  for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
    toolArgs[call.index] ??= '';
    if (call.function?.arguments) { toolArgs[call.index] += call.function.arguments; toolFragments++; }
  }
}
const toolWhole = await client.chat.completions.create({
  model: 'fake-model', messages: [{ role: 'user', content: 'weather in Paris?' }], tools,
});
result.toolFragments = toolFragments;
check(toolArgs[0] === toolWhole.choices[0].message.tool_calls[0].function.arguments, 'streamed tool arguments equal non-streamed');
check(final.choices[0].message.tool_calls[0].function.arguments === toolArgs[0], 'stream helper assembles the same arguments');

const completion = await client.completions.create({ model: 'fake-model', prompt: 'say', max_tokens: 5, logprobs: 1 });
result.completion = completion.choices[0].text;
result.completionLogprobs = completion.choices[0].logprobs?.tokens?.length ?? 0;

try {
  await client.chat.completions.create({ model: 'missing-model', messages: [{ role: 'user', content: 'x' }] });
  result.missingModel = 'no error';
} catch (e) {
  result.missingModel = { status: e.status, code: e.code ?? e.error?.code };
}
console.log(JSON.stringify(result));
