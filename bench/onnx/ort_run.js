// SPDX-License-Identifier: Apache-2.0
// Runs an ONNX model with onnxruntime-node (CPU): node ort_run.js MODEL IN.f32 DIMS OUT.f32 RUNS
// Prints "ort_ms <best of RUNS> ort_total_ms <all> peak_rss_mb <MB> ort_cpu_ms <CPU>" and writes the
// first output as raw float32. ort_cpu_ms: user+sys CPU of session creation plus the first run (the
// work a one-shot `seedchip run` does: load, prepare, infer), without node's own start-up.
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '../../third_party/npm/node_modules/onnxruntime-node'));

async function main() {
  const [model, inFile, dimsText, outFile, runsText] = process.argv.slice(2);
  const dims = dimsText.split(',').map(Number);
  const buf = fs.readFileSync(inFile);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 }; // one core, like the simulator
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const s = await ort.InferenceSession.create(model, opts);
  const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x, dims) };
  let best = Infinity, out = null, peak = 0, cpu = 0;
  for (let i = 0; i < Number(runsText); i++) {
    const a = process.hrtime.bigint();
    out = await s.run(feeds);
    const ms = Number(process.hrtime.bigint() - a) / 1e6;
    if (i === 0) {
      const c = process.cpuUsage(c0);
      cpu = (c.user + c.system) / 1e3;
    }
    best = Math.min(best, ms);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const total = Number(process.hrtime.bigint() - t0) / 1e6;
  const y = out[s.outputNames[0]].data;
  fs.writeFileSync(outFile, Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  console.log(`ort_ms ${best.toFixed(2)} ort_total_ms ${total.toFixed(1)} peak_rss_mb ${(peak / 1e6).toFixed(1)} ort_cpu_ms ${cpu.toFixed(2)}`);
}
main().catch((e) => { console.error('ort_run: ' + e.message); process.exit(2); });
