// SPDX-License-Identifier: Apache-2.0
// PP-OCR models on onnxruntime-node for the same inputs as the chip, from `seedchip ocr --dump DIR`:
//   node ocr_ort.js MODELS_DIR DUMP_DIR [RUNS]
// For every DUMP_DIR/<det|cls|rec>_<k>_in.npy runs the model (one CPU thread, best of RUNS),
// writes <model>_<k>_ort.npy and prints one line per tensor:
//   <model>_<k> shape <dims> max_abs_diff <d> mean_abs_diff <e> max_abs_ref <m> <x>_agree <a>/<n>
//   ort_ms <t>
// comparing with the chip's <model>_<k>_out.npy: for det the pixels on the same side of the DB
// threshold 0.3 (mask_agree), for cls/rec the argmax over the last axis (classes per step).
// Last line: "ort_peak_rss_mb <MB>". Exit 2 on a usage or file error.
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '../../third_party/npm/node_modules/onnxruntime-node'));

const FILES = { det: 'ch_PP-OCRv4_det_infer.onnx', cls: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
                rec: 'ch_PP-OCRv4_rec_infer.onnx' };

function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not an .npy file`);
  const major = b[6], hl = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const off = major === 1 ? 10 : 12, hdr = b.toString('latin1', off, off + hl);
  if (!/'descr': '<f4'/.test(hdr)) throw new Error(`${file}: not float32`);
  const shape = (hdr.match(/'shape': \(([^)]*)\)/)[1].match(/\d+/g) || []).map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + off + hl, b.byteOffset + b.length));
  return { shape, data };
}

function writeNpy(file, shape, data) {
  let hdr = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  hdr += ' '.repeat(63 - ((10 + hdr.length) % 64)) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1'); h[6] = 1; h[7] = 0; h.writeUInt16LE(hdr.length, 8);
  fs.writeFileSync(file, Buffer.concat([h, Buffer.from(hdr, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

// det maps: pixels on the same side of DB's 0.3 threshold; cls/rec: argmax per row.
function compare(ref, got, shape, model) {
  let d = 0, m = 0, sum = 0, agree = 0, same = 0;
  const inner = shape[shape.length - 1], rows = ref.length / inner;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(ref[i] - got[i]));
    m = Math.max(m, Math.abs(ref[i]));
    sum += Math.abs(ref[i] - got[i]);
    same += (ref[i] > 0.3) === (got[i] > 0.3);
  }
  if (model === 'det') return { d, m, mean: sum / ref.length, agree: same, rows: ref.length };
  for (let r = 0; r < rows; r++) {
    let a = 0, b = 0;
    for (let j = 1; j < inner; j++) {
      if (ref[r * inner + j] > ref[r * inner + a]) a = j;
      if (got[r * inner + j] > got[r * inner + b]) b = j;
    }
    agree += a === b;
  }
  return { d, m, mean: sum / ref.length, agree, rows };
}

async function main() {
  const [models, dir, runsText] = process.argv.slice(2);
  if (!models || !dir) throw new Error('usage: node ocr_ort.js MODELS_DIR DUMP_DIR [RUNS]');
  const runs = Number(runsText || 1), sessions = {};
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 }; // one core, like the simulator
  let peak = 0;
  const names = fs.readdirSync(dir).filter((f) => /^(det|cls|rec)_\d+_in\.npy$/.test(f)).sort();
  for (const f of names) {
    const [model, k] = f.split('_');
    sessions[model] = sessions[model] || await ort.InferenceSession.create(path.join(models, FILES[model]), opts);
    const s = sessions[model], x = readNpy(path.join(dir, f));
    const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
    let best = Infinity, out = null;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      out = await s.run(feeds);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const y = out[s.outputNames[0]];
    writeNpy(path.join(dir, `${model}_${k}_ort.npy`), y.dims, y.data);
    let line = `${model}_${k} shape ${y.dims.join('x')}`;
    const chip = path.join(dir, `${model}_${k}_out.npy`);
    if (fs.existsSync(chip)) {
      const c = readNpy(chip);
      if (c.data.length !== y.data.length) throw new Error(`${chip}: ${c.data.length} values, ORT gives ${y.data.length}`);
      const r = compare(y.data, c.data, y.dims, model);
      line += ` max_abs_diff ${r.d.toExponential(3)} mean_abs_diff ${r.mean.toExponential(3)}` +
        ` max_abs_ref ${r.m.toExponential(3)} ${model === 'det' ? 'mask' : 'argmax'}_agree ${r.agree}/${r.rows}`;
    }
    console.log(`${line} ort_ms ${best.toFixed(2)}`);
  }
  console.log(`ort_peak_rss_mb ${(peak / 1e6).toFixed(1)}`);
}
main().catch((e) => { console.error('ocr_ort: ' + e.message); process.exit(2); });
