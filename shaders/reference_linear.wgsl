// nlbench's reference Linear layer: y = x · W + b, then ReLU unless it is the last layer,
// as one kernel. x is M × K (a batch of rows), W is K × N (burn's Linear layout), y is M × N,
// all row-major.
//
// Each workgroup computes a BM × BN tile of y (BM = WG_Y · TM rows, BN = WG_X · 4 · TN4
// columns): it walks K in steps of TK, staging the matching tiles of x (transposed, so a
// thread reads its TM rows for one k side by side) and W (as vec4 along N) in workgroup
// memory, and every thread accumulates TM × TN4 vec4 results in registers with vector fused
// multiply-adds. Bias and ReLU are applied to the registers before the one store.
//
// The constants below are one tile shape; nlbench replaces the block between the two SHAPE
// markers with each shape its on-device search tries, and the element type (`T`) for FP16
// (with `enable f16;` first). EDGES = false drops the bounds checks and is only correct when
// M, N and K are multiples of BM, BN and TK.

// SHAPE BEGIN
alias T = f32;
const WG_X: u32 = 16u;
const WG_Y: u32 = 16u;
const TM: u32 = 4u;
const TN4: u32 = 1u;
const TK: u32 = 16u;
const EDGES: bool = true;
// SHAPE END

const BM: u32 = WG_Y * TM;
const BN: u32 = WG_X * 4u * TN4;
const THREADS: u32 = WG_X * WG_Y;

struct Dims {
    m: u32,
    n: u32,
    k: u32,
    relu: u32,
}

@group(0) @binding(0) var<storage, read> x: array<T>;
@group(0) @binding(1) var<storage, read> w: array<T>;
@group(0) @binding(2) var<storage, read> bias: array<T>;
@group(0) @binding(3) var<storage, read_write> y: array<T>;
@group(0) @binding(4) var<uniform> dims: Dims;

// x's tile, transposed: x_tile[kk * BM + mm] = x[m0 + mm, k0 + kk].
var<workgroup> x_tile: array<T, BM * TK>;
// W's tile as vec4 along N: w_tile[kk * BN / 4 + nn] = W[k0 + kk, n0 + 4 nn .. 4 nn + 3].
var<workgroup> w_tile: array<vec4<T>, TK * BN / 4u>;

fn load_x(row: u32, col: u32) -> T {
    if (EDGES && (row >= dims.m || col >= dims.k)) {
        return T(0);
    }
    return x[row * dims.k + col];
}

fn load_w4(row: u32, col: u32) -> vec4<T> {
    if (!EDGES || (row < dims.k && col + 3u < dims.n)) {
        let i = row * dims.n + col;
        return vec4<T>(w[i], w[i + 1u], w[i + 2u], w[i + 3u]);
    }
    var v = vec4<T>(T(0));
    if (row < dims.k) {
        for (var c = 0u; c < 4u; c++) {
            if (col + c < dims.n) {
                v[c] = w[row * dims.n + col + c];
            }
        }
    }
    return v;
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(local_invocation_index) thread: u32,
) {
    let m0 = group.y * BM;
    let n0 = group.x * BN;
    var acc: array<vec4<T>, TM * TN4>;
    for (var i = 0u; i < TM * TN4; i++) {
        acc[i] = vec4<T>(T(0));
    }

    for (var k0 = 0u; k0 < dims.k; k0 += TK) {
        // Stage both tiles, every thread a share.
        for (var e = thread; e < BM * TK; e += THREADS) {
            let mm = e / TK;
            let kk = e % TK;
            x_tile[kk * BM + mm] = load_x(m0 + mm, k0 + kk);
        }
        for (var e = thread; e < TK * BN / 4u; e += THREADS) {
            let kk = e / (BN / 4u);
            let nn = e % (BN / 4u);
            w_tile[e] = load_w4(k0 + kk, n0 + 4u * nn);
        }
        workgroupBarrier();

        for (var kk = 0u; kk < TK; kk++) {
            var b: array<vec4<T>, TN4>;
            for (var j = 0u; j < TN4; j++) {
                b[j] = w_tile[kk * (BN / 4u) + local.x * TN4 + j];
            }
            for (var i = 0u; i < TM; i++) {
                let a = vec4<T>(x_tile[kk * BM + local.y * TM + i]);
                for (var j = 0u; j < TN4; j++) {
                    acc[i * TN4 + j] = fma(a, b[j], acc[i * TN4 + j]);
                }
            }
        }
        workgroupBarrier();
    }

    for (var i = 0u; i < TM; i++) {
        let row = m0 + local.y * TM + i;
        if (EDGES && row >= dims.m) {
            break;
        }
        for (var j = 0u; j < TN4; j++) {
            let col = n0 + 4u * (local.x * TN4 + j);
            for (var c = 0u; c < 4u; c++) {
                if (EDGES && col + c >= dims.n) {
                    break;
                }
                var v = acc[i * TN4 + j][c] + bias[col + c];
                if (dims.relu != 0u) {
                    v = max(v, T(0));
                }
                y[row * dims.n + col + c] = v;
            }
        }
    }
}
