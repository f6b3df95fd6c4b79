//! The tile shapes the reference kernels come in, and the WGSL of each: the block between the
//! `SHAPE` markers of `shaders/reference_linear.wgsl` (tiled through workgroup memory, for
//! GPUs) or `shaders/reference_linear_direct.wgsl` (straight from memory, for devices that run
//! invocations as CPU vector lanes) replaced by the shape's constants, and for the direct
//! kernel with W in a texture, its `WEIGHTS` block by `shaders/reference_weights_texture.wgsl`.

use crate::precision::Precision;

const TILED: &str = include_str!("../../../../shaders/reference_linear.wgsl");
const DIRECT: &str = include_str!("../../../../shaders/reference_linear_direct.wgsl");
const WEIGHTS_TEXTURE: &str = include_str!("../../../../shaders/reference_weights_texture.wgsl");

/// Which of the two kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Tiles of x and W staged in workgroup memory, vec4 accumulators.
    Tiled,
    /// Every invocation reads x and W itself; x's reads are uniform across the workgroup.
    Direct,
}

/// Where a kernel reads W from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weights {
    /// A storage buffer, like every other operand.
    Buffer,
    /// A texture of RGBA texels, four columns each (direct kernel only): fetched for all
    /// lanes at once on drivers that read a storage buffer lane by lane.
    Texture,
}

/// One tile shape of a reference kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    pub kernel: Kernel,
    /// Threads of a workgroup along N and along M (1 for the direct kernel).
    pub wg_x: u32,
    pub wg_y: u32,
    /// Rows of y per thread.
    pub tm: u32,
    /// vec4 columns of y per thread.
    pub tn4: u32,
    /// Depth of the K step staged in workgroup memory (tiled only).
    pub tk: u32,
    /// Bounds checks on every load and store; without them the shape is only correct where
    /// the dimensions are multiples of the tile.
    pub edges: bool,
    pub weights: Weights,
}

impl Shape {
    /// Rows of y per workgroup.
    pub fn bm(&self) -> u32 {
        self.wg_y * self.tm
    }

    /// Columns of y per workgroup.
    pub fn bn(&self) -> u32 {
        self.wg_x * 4 * self.tn4
    }

    pub fn threads(&self) -> u32 {
        self.wg_x * self.wg_y
    }

    /// Bytes of workgroup memory the two staged tiles take.
    pub fn workgroup_bytes(&self, precision: Precision) -> u64 {
        match self.kernel {
            Kernel::Tiled => {
                u64::from(self.bm() * self.tk + self.tk * self.bn()) * precision.bytes()
            }
            Kernel::Direct => 0,
        }
    }

    /// Whether `m × k · k × n` is a whole number of tiles (the no-bounds-check shapes need it).
    pub fn tiles_exactly(&self, m: u32, n: u32, k: u32) -> bool {
        m.is_multiple_of(self.bm()) && n.is_multiple_of(self.bn()) && k.is_multiple_of(self.tk)
    }

    /// The shape in words, as results record it.
    pub fn describe(&self) -> String {
        if self.kernel == Kernel::Direct {
            return format!(
                "direct {}×{}, {} threads, {}×{} per thread{}",
                self.bm(),
                self.bn(),
                self.wg_x,
                self.tm,
                4 * self.tn4,
                match self.weights {
                    Weights::Buffer => "",
                    Weights::Texture => ", W in a texture",
                }
            );
        }
        format!(
            "tiled {}×{} (k {}), {}×{} threads, {}×{} per thread{}",
            self.bm(),
            self.bn(),
            self.tk,
            self.wg_x,
            self.wg_y,
            self.tm,
            4 * self.tn4,
            if self.edges { "" } else { ", no bounds checks" }
        )
    }

    /// The kernel's WGSL for this shape and precision.
    pub fn source(&self, precision: Precision) -> String {
        let (prefix, scalar) = match precision {
            Precision::F16 => ("enable f16;\n", "f16"),
            _ => ("", "f32"),
        };
        let source = match self.kernel {
            Kernel::Tiled => replace_block(
                TILED,
                "SHAPE",
                &format!(
                    "alias T = {scalar};\nconst WG_X: u32 = {}u;\nconst WG_Y: u32 = {}u;\n\
                     const TM: u32 = {}u;\nconst TN4: u32 = {}u;\nconst TK: u32 = {}u;\n\
                     const EDGES: bool = {};\n",
                    self.wg_x, self.wg_y, self.tm, self.tn4, self.tk, self.edges
                ),
            ),
            Kernel::Direct => {
                let source = replace_block(
                    DIRECT,
                    "SHAPE",
                    &format!(
                        "alias T = {scalar};\nconst WG: u32 = {}u;\nconst TM: u32 = {}u;\n\
                         const TN4: u32 = {}u;\n",
                        self.wg_x, self.tm, self.tn4
                    ),
                );
                match self.weights {
                    Weights::Buffer => source,
                    Weights::Texture => replace_block(&source, "WEIGHTS", WEIGHTS_TEXTURE),
                }
            }
        };
        unroll(&format!("{prefix}{source}"), self.tm, self.tn4)
    }

    /// Workgroups to launch for an `m × n` output.
    pub fn groups(&self, m: u32, n: u32) -> (u32, u32, u32) {
        let (rows, columns) = (m.div_ceil(self.bm()), n.div_ceil(self.bn()));
        match self.kernel {
            Kernel::Tiled => (columns, rows, 1),
            Kernel::Direct => (rows, columns, 1),
        }
    }
}

/// `template` with the lines from `// NAME BEGIN` to `// NAME END` (markers included)
/// replaced by `text`.
fn replace_block(template: &str, name: &str, text: &str) -> String {
    let (begin, end) = (format!("// {name} BEGIN"), format!("// {name} END"));
    let start = template.find(&begin).expect("the template marks the block");
    let stop = template.find(&end).expect("the template marks the block") + end.len();
    format!("{}{text}{}", &template[..start], &template[stop..])
}

const fn tiled(wg_x: u32, wg_y: u32, tm: u32, tn4: u32, tk: u32) -> Shape {
    Shape {
        kernel: Kernel::Tiled,
        wg_x,
        wg_y,
        tm,
        tn4,
        tk,
        edges: true,
        weights: Weights::Buffer,
    }
}

const fn direct(wg: u32, tm: u32, tn: u32) -> Shape {
    Shape {
        kernel: Kernel::Direct,
        wg_x: wg,
        wg_y: 1,
        tm,
        tn4: tn,
        tk: 0,
        edges: true,
        weights: Weights::Buffer,
    }
}

/// Writes out the template's `UNROLL` blocks: the lines between `// UNROLL <indices>` and its
/// `// END` once for every value of the indices (`i` below `tm`, `j` below `tn4`, `c` below
/// 4; the first index outermost), with `{i}`, `{j}`, `{c}` replaced. Blocks nest.
fn unroll(source: &str, tm: u32, tn4: u32) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::with_capacity(source.len() * 4);
    expand(&lines, &mut Vec::new(), tm, tn4, &mut out);
    out
}

/// Expands `lines` with the index values bound so far.
fn expand(lines: &[&str], bound: &mut Vec<(char, u32)>, tm: u32, tn4: u32, out: &mut String) {
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at];
        let Some(indices) = line.trim().strip_prefix("// UNROLL ") else {
            let mut text = line.to_owned();
            for (name, value) in bound.iter() {
                text = text.replace(&format!("{{{name}}}"), &value.to_string());
            }
            out.push_str(&text);
            out.push('\n');
            at += 1;
            continue;
        };
        // The matching END, past any nested blocks.
        let mut depth = 0;
        let mut end = at + 1;
        while end < lines.len() {
            match lines[end].trim() {
                l if l.starts_with("// UNROLL ") => depth += 1,
                "// END" if depth == 0 => break,
                "// END" => depth -= 1,
                _ => {}
            }
            end += 1;
        }
        let block = &lines[at + 1..end.min(lines.len())];
        let names: Vec<char> = indices.chars().filter(|c| !c.is_whitespace()).collect();
        let limit = |name: char| match name {
            'i' => tm,
            'j' => tn4,
            _ => 4,
        };
        let mut values = vec![0u32; names.len()];
        'combinations: loop {
            let outer = bound.len();
            bound.extend(names.iter().copied().zip(values.iter().copied()));
            expand(block, bound, tm, tn4, out);
            bound.truncate(outer);
            for slot in (0..names.len()).rev() {
                values[slot] += 1;
                if values[slot] < limit(names[slot]) {
                    continue 'combinations;
                }
                values[slot] = 0;
            }
            break;
        }
        at = end + 1;
    }
}

/// The shapes the search tries: tiles of several sizes for large batches, wide and flat ones
/// for small batches (down to one row for batch 1), for both kernels.
pub const SHAPES: [Shape; 17] = [
    tiled(16, 16, 4, 1, 16),
    tiled(8, 16, 4, 2, 16),
    tiled(16, 8, 8, 1, 8),
    tiled(8, 8, 4, 1, 16),
    tiled(16, 4, 4, 2, 16),
    tiled(32, 2, 2, 2, 16),
    tiled(64, 1, 1, 1, 32),
    direct(8, 8, 4),
    direct(8, 4, 4),
    direct(8, 8, 2),
    direct(16, 8, 4),
    direct(8, 2, 4),
    direct(8, 1, 4),
    direct(8, 1, 8),
    direct(8, 16, 4),
    direct(8, 8, 8),
    direct(8, 16, 8),
];

/// Whether a `k × n` W fits one texture of `n / 4` RGBA texels by `k` rows on this device.
pub fn weights_fit_texture(n: u32, k: u32, limits: &wgpu::Limits) -> bool {
    n.div_ceil(4).max(k) <= limits.max_texture_dimension_2d
}

/// The shapes worth trying for `m × k · k × n` within the device's limits: each edge-checked
/// shape, its check-free twin where the dimensions tile exactly, and each direct shape's twin
/// with W in a texture where W fits one; tiles far taller than the batch are left out.
pub fn candidates(
    m: u32,
    n: u32,
    k: u32,
    precision: Precision,
    limits: &wgpu::Limits,
) -> Vec<Shape> {
    let mut list = Vec::new();
    for shape in SHAPES {
        let fits = shape.threads() <= limits.max_compute_invocations_per_workgroup
            && shape.wg_x <= limits.max_compute_workgroup_size_x
            && shape.wg_y <= limits.max_compute_workgroup_size_y
            && shape.workgroup_bytes(precision)
                <= u64::from(limits.max_compute_workgroup_storage_size);
        if !fits || shape.bm() > 4 * m.max(1) {
            continue;
        }
        list.push(shape);
        if shape.kernel == Kernel::Tiled && shape.tiles_exactly(m, n, k) {
            list.push(Shape {
                edges: false,
                ..shape
            });
        }
        if shape.kernel == Kernel::Direct && weights_fit_texture(n, k, limits) {
            list.push(Shape {
                weights: Weights::Texture,
                ..shape
            });
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_carry_the_shape_and_type() {
        let shape = SHAPES[1];
        let f32_source = shape.source(Precision::F32);
        assert!(f32_source.contains("const WG_X: u32 = 8u;"));
        assert!(f32_source.contains("const TN4: u32 = 2u;"));
        assert_eq!(f32_source.matches("alias T =").count(), 1);
        assert!(!f32_source.starts_with("enable f16"));
        let f16_source = shape.source(Precision::F16);
        assert!(f16_source.starts_with("enable f16;"));
        assert!(f16_source.contains("alias T = f16;"));
        // The template parses as WGSL with every shape.
        for shape in SHAPES {
            let module = wgpu::naga::front::wgsl::parse_str(&shape.source(Precision::F32));
            assert!(module.is_ok(), "{}: {module:?}", shape.describe());
        }
    }

    #[test]
    fn candidates_respect_limits_and_batch() {
        let limits = wgpu::Limits::default();
        let batch_one = candidates(1, 512, 1024, Precision::F32, &limits);
        assert!(batch_one.iter().all(|s| s.bm() <= 4));
        assert!(
            batch_one
                .iter()
                .filter(|s| s.kernel == Kernel::Tiled)
                .all(|s| s.edges),
            "1 row never fills a tiled kernel's tile exactly"
        );
        let large = candidates(256, 512, 1024, Precision::F32, &limits);
        assert!(large.iter().any(|s| !s.edges && s.bm() == 64));
        let tight = wgpu::Limits {
            max_compute_workgroup_storage_size: 4096,
            ..wgpu::Limits::default()
        };
        assert!(
            candidates(256, 512, 1024, Precision::F32, &tight)
                .iter()
                .all(|s| s.workgroup_bytes(Precision::F32) <= 4096)
        );
        assert_eq!(
            SHAPES[0].describe(),
            "tiled 64×64 (k 16), 16×16 threads, 4×4 per thread"
        );
        assert_eq!(
            SHAPES[7].describe(),
            "direct 8×128, 8 threads, 8×16 per thread"
        );
        let direct = SHAPES[7].source(Precision::F32);
        assert!(direct.contains("const TM: u32 = 8u;"));
        // Every block written out: 8 rows × 4 columns of accumulators, 4 × 8 × 4 FMAs.
        assert!(direct.contains("var acc7_3 = vec4<T>(T(0));"));
        assert!(!direct.contains("acc8_"));
        assert!(
            direct
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .all(|l| !l.contains("{i}") && !l.contains("{c}"))
        );
        assert_eq!(direct.matches("= fma(").count(), 4 * 8 * 4);
        assert!(direct.contains("acc2_1 = fma(vec4<T>(x2[3]), w3_1, acc2_1);"));
    }

    #[test]
    fn direct_shapes_have_a_texture_twin_where_w_fits_one() {
        let limits = wgpu::Limits::default();
        let list = candidates(128, 512, 1024, Precision::F32, &limits);
        let direct = list.iter().filter(|s| s.kernel == Kernel::Direct);
        let textured = |s: &&Shape| s.weights == Weights::Texture;
        assert_eq!(direct.clone().filter(textured).count() * 2, direct.count());
        assert!(
            list.iter()
                .filter(|s| s.kernel == Kernel::Tiled)
                .all(|s| s.weights == Weights::Buffer)
        );
        // W of 16,384 rows is taller than the texture limit: buffers only.
        let tall = candidates(128, 512, 16_384, Precision::F32, &limits);
        assert!(tall.iter().all(|s| s.weights == Weights::Buffer));

        let shape = Shape {
            weights: Weights::Texture,
            ..SHAPES[7]
        };
        assert_eq!(
            shape.describe(),
            "direct 8×128, 8 threads, 8×16 per thread, W in a texture"
        );
        for precision in [Precision::F32, Precision::F16] {
            let source = shape.source(precision);
            assert!(source.contains("var w: texture_2d<f32>;"));
            assert!(!source.contains("var<storage, read> w"));
            assert!(!source.contains("WEIGHTS BEGIN"));
            let mut validator = wgpu::naga::valid::Validator::new(
                wgpu::naga::valid::ValidationFlags::all(),
                wgpu::naga::valid::Capabilities::all(),
            );
            let module = wgpu::naga::front::wgsl::parse_str(&source).expect("parses");
            assert!(validator.validate(&module).is_ok(), "{precision:?}");
        }
    }
}
