// nlbench's reference Linear layer without workgroup memory: y = x · W + b, then ReLU unless
// it is the last layer. x is M × K, W is K × N (burn's Linear layout), y is M × N, row-major,
// read and written as vec4 along K and N (the reference pads K and N to multiples of 4 with
// zeros, which add nothing).
//
// Each workgroup computes TM rows × WG · TN4 vec4 columns of y: invocation l owns vec4 columns
// c0 + l, c0 + l + WG, …, and every row of the block. Row blocks are the grid's x, so the
// workgroups a device runs one after another share their columns of W, which stay in cache.
// Each step of the K loop takes four k at once: one vec4 of x per row (the same for every
// invocation) and four vec4 of W per column, then TM × TN4 × 4 vector fused multiply-adds into
// registers. This suits devices that run invocations as the lanes of CPU vector registers
// (lavapipe, SwiftShader), where workgroup memory and barriers save nothing: it is built to do
// as many multiply-adds per load as the registers allow. The tiled kernel suits real GPUs; the
// search times both on the device.
//
// WGSL cannot ask for unrolled loops, and drivers that keep small arrays in memory rather than
// registers make them slow, so the lines between `UNROLL` and its `END` are written once and
// repeated by nlbench for every value of the named indices (i < TM, j < TN4, c < 4), `{i}`,
// `{j}` and `{c}` replaced; blocks nest. Columns are the outer block: a column's four vec4 of W
// are loaded, then each row's accumulator of that column takes its four multiply-adds in a row.
// Where the accumulators outnumber the registers, each is then loaded and stored once per K
// step rather than once per multiply-add. The block between the SHAPE markers is replaced per
// shape, and `T` for FP16 (with `enable f16;` first).
//
// W is read through `weight(k, column)`. The block between the WEIGHTS markers reads it from a
// storage buffer; shapes that keep W in a texture put `reference_weights_texture.wgsl` there
// instead. Drivers that run invocations as vector lanes fetch texels of a whole vector at once,
// where a storage buffer read by each lane at its own address goes lane by lane (lavapipe).

// SHAPE BEGIN
alias T = f32;
const WG: u32 = 8u;
const TM: u32 = 8u;
const TN4: u32 = 4u;
// SHAPE END

struct Dims {
    m: u32,
    n: u32,
    k: u32,
    relu: u32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<T>>;
// WEIGHTS BEGIN
@group(0) @binding(1) var<storage, read> w: array<vec4<T>>;

/// Four columns of W's row `k`, from vec4 column `column`.
fn weight(k: u32, column: u32) -> vec4<T> {
    return w[k * (dims.n / 4u) + column];
}
// WEIGHTS END
@group(0) @binding(2) var<storage, read> bias: array<vec4<T>>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<T>>;
@group(0) @binding(4) var<uniform> dims: Dims;

@compute @workgroup_size(WG, 1, 1)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    let k4 = dims.k / 4u;
    let n4 = dims.n / 4u;
    let m0 = group.x * TM;
    let c0 = group.y * WG * TN4 + local.x;
    // Rows and columns past the end read the last one (and are never stored): no branch in
    // the loop.
    // UNROLL i
    let row{i} = min(m0 + {i}u, dims.m - 1u) * k4;
    // END
    // UNROLL j
    let col{j} = min(c0 + {j}u * WG, n4 - 1u);
    // END
    // UNROLL i j
    var acc{i}_{j} = vec4<T>(T(0));
    // END

    for (var q = 0u; q < k4; q++) {
        // UNROLL i
        let x{i} = x[row{i} + q];
        // END
        // UNROLL j
        // UNROLL c
        let w{c}_{j} = weight(4u * q + {c}u, col{j});
        // END
        // UNROLL i c
        acc{i}_{j} = fma(vec4<T>(x{i}[{c}]), w{c}_{j}, acc{i}_{j});
        // END
        // END
    }

    // UNROLL i j
    if (m0 + {i}u < dims.m && c0 + {j}u * WG < n4) {
        var v{i}_{j} = acc{i}_{j} + bias[col{j}];
        if (dims.relu != 0u) {
            v{i}_{j} = max(v{i}_{j}, vec4<T>(T(0)));
        }
        y[(m0 + {i}u) * n4 + col{j}] = v{i}_{j};
    }
    // END
}
