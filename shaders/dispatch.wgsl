// Dispatch overhead: one invocation that does (almost) nothing, dispatched many times in a
// row; the time per dispatch is what launching a kernel costs on the device.
@group(0) @binding(0) var<storage, read> seed: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4<f32>>;

@compute @workgroup_size(1)
fn main() {
    if (seed[0].x == -1.0) {
        sink[0] = seed[0];
    }
}
