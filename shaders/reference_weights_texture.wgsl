// W for `reference_linear_direct.wgsl` from a texture: row k of W is texel row k, four columns
// per texel (RGBA, 32- or 16-bit float as the precision), so `weight` is one texel fetch. It
// replaces that kernel's WEIGHTS block.

@group(0) @binding(1) var w: texture_2d<f32>;

/// Four columns of W's row `k`, from vec4 column `column`.
fn weight(k: u32, column: u32) -> vec4<T> {
    return vec4<T>(textureLoad(w, vec2<u32>(column, k), 0));
}
