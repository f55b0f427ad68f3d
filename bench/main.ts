/** Placeholder bench page: says whether this browser could run the bench. */
import '../demo/style.css';

const line = document.getElementById('bench-gpu');
if (line) {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  line.textContent = adapter
    ? `This browser has a WebGPU adapter (${adapter.info.vendor || 'unknown vendor'}), so the bench will run here.`
    : 'This browser offers no WebGPU adapter; the demo page says how to get one.';
}
