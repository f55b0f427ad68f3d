// Prelude of the kernels that use subgroup operations: an `enable` directive
// must come before every declaration of a module, and the shared chunks are
// prepended to a kernel's own file, so it is a part of its own, listed first
// (src/kernels/gemv.ts). Only devices created with the `subgroups` feature
// (src/gpu/device.ts) compile it.
enable subgroups;
