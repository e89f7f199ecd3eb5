const { TokenizerLoader } = require("@lenml/tokenizers");
const fs = require("fs");
const [name, count, seed, out] = process.argv.slice(2);
const dir = `/tmp/tk/lenml-tokenizer-${name}-3.7.2/package/models/`;
const tok = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(dir + "tokenizer.json")),
  tokenizerConfig: { ...JSON.parse(fs.readFileSync(dir + "tokenizer_config.json")), clean_up_tokenization_spaces: false },
});
let s = Number(seed) >>> 0;
const rand = () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
const pieces = ["a","Z","x","q","é","e\u0301","a\u0323\u0302","ß","ſ","\u212A","K","0","7","٣","²","½"," ","  ","\t","\n","\r\n","\u00A0","\u3000","'s","'T","'re"," '","!","?",".",",","-","_","$","(",")","{","}","[","]","#","@","\\","/","\"","你","好","世界","こんにちは","한국","\u1100\u1161","\u1100\u1161\u11A8","Привет","Ω","π","😀","👍🏽","🇫🇷","👨\u200D👩","\u200B","\u200D","𠜎","𝐀","𝟘","ﬁ","Ｆ","▁","<|im_end|>","<think>","</think>","<s>","</s>","<|begin_of_text|>","<|eot_id|>","<unk>","<|im_start|>user","hello","world","Hello"," the","1234","3.14","def ","return ","\u0301","\uFFFD","\u0000","\u007F"];
const cases = [];
for (let n = 0; n < Number(count); n++) {
  let text = "";
  const len = 1 + Math.floor(rand() * 12);
  for (let k = 0; k < len; k++) text += pieces[Math.floor(rand() * pieces.length)];
  const ids = tok.encode(text, { add_special_tokens: false });
  const withSpecial = tok.encode(text, { add_special_tokens: true });
  cases.push({ text, ids, ids_with_special_tokens: withSpecial, decoded: ids.length ? tok.decode(ids) : "" });
}
fs.writeFileSync(out, JSON.stringify({ tokenizer: `${name} (npm @lenml/tokenizer-${name} 3.7.2)`, reference: "transformers.js (@lenml/tokenizers 3.7.2), random strings (stress.js seed " + seed + ")", encode: cases }).replace(/\},\{"text"/g, '},\n{"text"'));
