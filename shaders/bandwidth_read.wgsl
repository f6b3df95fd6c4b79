// Memory bandwidth, read: each invocation sums four vec4<f32> of `src`, strided by the
// number of invocations so neighbouring invocations read neighbouring addresses. The sum is
// written only when it equals a value the zero-filled input never produces, so the reads
// cannot be optimised away and (almost) nothing is written.
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4<f32>>;

const PER_INVOCATION: u32 = 4u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let invocations = groups.x * groups.y * 256u;
    let first = id.x + id.y * groups.x * 256u;
    var sum = vec4<f32>(0.0);
    for (var k = 0u; k < PER_INVOCATION; k++) {
        let i = first + k * invocations;
        if (i < arrayLength(&src)) {
            sum += src[i];
        }
    }
    if (sum.x == -1.0) {
        sink[0] = sum;
    }
}
