// softmax_cross_entropy: the mean softmax cross-entropy of a batch of logits
// against integer labels, and its gradient w.r.t. the logits,
//   loss_r    = logsumexp(z_r) − z_r[label_r]        (max subtracted first)
//   grad[r][c] = (softmax(z_r)[c] − [c == label_r]) / rows
// as torch.nn.CrossEntropyLoss (reduction 'mean') and its backward.
// The batch's mean loss is ADDED to stats[0] and stats[1] counts the steps
// since the host last reset them, so the host reads the loss back only when
// it wants to (every N steps) and gets the mean over those steps; stats[2]
// counts every step, the step number t that Adam's bias correction needs
// (adam_step.wgsl reads it). A row holding a NaN or ±∞ logit gives a NaN
// loss, which the host reports.
//
// Layout: logits and grad [rows][classes] row-major, labels [rows] u32,
// stats [3] f32.
// Invocations: ONE workgroup; invocation i takes rows i, i + WORKGROUP_SIZE,
// …, then the workgroup adds the row losses in workgroup memory (a fixed
// order, so the loss is reproducible).
// Overrides: WORKGROUP_SIZE (a power of two, ≤ 256).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  rows: u32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lid: u32) {
  let classes = params.classes;
  let scale = 1.0 / f32(params.rows);
  var sum = 0.0;
  for (var r = lid; r < params.rows; r += WORKGROUP_SIZE) {
    let base = r * classes;
    var top = logits[base];
    var finite = true;
    for (var c = 0u; c < classes; c++) {
      let z = logits[base + c];
      finite = finite && isFiniteBits(z);
      top = max(top, z);
    }
    var total = 0.0;
    for (var c = 0u; c < classes; c++) { total += exp(logits[base + c] - top); }
    let label = labels[r];
    for (var c = 0u; c < classes; c++) {
      let p = exp(logits[base + c] - top) / total;
      grad[base + c] = (p - select(0.0, 1.0, c == label)) * scale;
    }
    var loss = top + log(total) - logits[base + label];
    if (!finite) { loss = quietNan(); }
    sum += loss;
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var half = WORKGROUP_SIZE / 2u; half > 0u; half /= 2u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    stats[0] += partial[0] * scale;
    stats[1] += 1.0;
    stats[2] += 1.0;
  }
}
