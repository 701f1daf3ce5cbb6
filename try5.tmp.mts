import { Lexer, Parser, Composer, LineCounter } from 'yaml';
for (const n of [1000, 2000, 4000]) {
  for (const [label, text] of [['flow', 'pipelines:\n' + Array.from({length: n}, (_, i) => `  p${i}: { stages: 1 }`).join('\n')], ['block', 'pipelines:\n' + Array.from({length: n}, (_, i) => `  p${i}:\n    stages: 1`).join('\n')]] as const) {
    let t0 = performance.now();
    let c = 0; for (const _ of new Lexer().lex(text)) c++;
    let t1 = performance.now();
    const lc = new LineCounter();
    const toks = Array.from(new Parser(lc.addNewLine).parse(text));
    let t2 = performance.now();
    Array.from(new Composer({ uniqueKeys: false }).compose(toks, true, text.length));
    let t3 = performance.now();
    console.log(label, n, c, 'lex', (t1 - t0).toFixed(0), 'parse', (t2 - t1).toFixed(0), 'compose', (t3 - t2).toFixed(0));
  }
}
