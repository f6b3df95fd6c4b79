// Peak FMA throughput, f32: each invocation runs eight independent chains of vec4<f32>
// fused multiply-adds (ITERATIONS x 8 chains x 4 lanes x 2 FLOPs = 16,384 FLOPs), so the
// ALUs never wait on one chain. Inputs come from a buffer so nothing folds at compile time;
// the result is written only for a value the inputs never produce.
@group(0) @binding(0) var<storage, read> seed: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4<f32>>;

const ITERATIONS: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let b = seed[1];
    let c = seed[2];
    var a0 = seed[0] + vec4<f32>(f32(id.x & 7u));
    var a1 = a0 + 1.0;
    var a2 = a0 + 2.0;
    var a3 = a0 + 3.0;
    var a4 = a0 + 4.0;
    var a5 = a0 + 5.0;
    var a6 = a0 + 6.0;
    var a7 = a0 + 7.0;
    for (var i = 0u; i < ITERATIONS; i++) {
        a0 = fma(a0, b, c);
        a1 = fma(a1, b, c);
        a2 = fma(a2, b, c);
        a3 = fma(a3, b, c);
        a4 = fma(a4, b, c);
        a5 = fma(a5, b, c);
        a6 = fma(a6, b, c);
        a7 = fma(a7, b, c);
    }
    let sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    if (sum.x == -1.0) {
        sink[0] = sum;
    }
}
