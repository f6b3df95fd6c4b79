//! The macro behind the one list of workloads (its invocation is in `workload/mod.rs`).
//! Each line of the list names a workload's module, its variant and its configuration type
//! (which implements [`Definition`](super::Definition) and [`Preset`](super::Preset));
//! everything that dispatches on a workload (its name and title, its presets, its shapes,
//! building it on a backend, the memory suite's readings) is generated from the list, so
//! adding a workload is its module, its presets in `presets.json` and one line.

macro_rules! workloads {
    ($($(#[$attr:meta])* $module:ident::$variant:ident($config:ident),)+) => {
        $(pub mod $module;)+

        /// Which network a row measured. Older results, which measured the MLP alone, read
        /// as `mlp`. Its serde name is its [`Definition::NAME`] (a test holds them equal).
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            ::serde::Serialize,
            ::serde::Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum WorkloadKind {
            $($variant,)+
        }

        impl WorkloadKind {
            /// Every registered workload, in the registry's order.
            pub const ALL: [WorkloadKind; [$(stringify!($variant)),+].len()] =
                [$(Self::$variant),+];

            /// The name `--workloads` takes and `results.json` stores.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => <$module::$config as $crate::workload::Definition>::NAME,)+
                }
            }

            /// The heading of the workload's report section.
            pub fn title(self) -> &'static str {
                match self {
                    $(Self::$variant => <$module::$config as $crate::workload::Definition>::TITLE,)+
                }
            }
        }

        /// One workload at one preset, with every shape it needs.
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(tag = "workload", rename_all = "snake_case")]
        pub enum Workload {
            $($(#[$attr])* $variant($module::$config),)+
        }

        impl Workload {
            pub fn kind(&self) -> WorkloadKind {
                match self {
                    $(Self::$variant(_) => WorkloadKind::$variant,)+
                }
            }

            /// What the configuration's shapes say.
            pub fn shapes(&self) -> &dyn $crate::workload::Shapes {
                match self {
                    $(Self::$variant(config) => config,)+
                }
            }

            /// The preset `name` (any case) of `kind`, if it has one.
            pub(super) fn find_preset(kind: WorkloadKind, name: &str) -> Option<Self> {
                match kind {
                    $(WorkloadKind::$variant => {
                        <$module::$config as $crate::workload::Definition>::preset(name).map(Self::$variant)
                    })+
                }
            }

            /// What one timed run of `phase` runs, built on `device`: weights from the
            /// backend's generator seeded with `seed`, a random input of `batch` samples.
            pub fn build<B: ::burn::tensor::backend::Backend>(
                &self,
                phase: $crate::workload::Phase,
                batch: usize,
                seed: u64,
                precision: $crate::precision::Precision,
                device: &B::Device,
            ) -> Box<dyn $crate::workload::Runnable<B>> {
                match self {
                    $(Self::$variant(config) => {
                        $crate::workload::Preset::<B>::build(config, phase, batch, seed, precision, device)
                    })+
                }
            }

            /// `visitor`'s work on this workload's configuration type.
            pub fn visit<
                B: ::burn::tensor::backend::Backend,
                V: $crate::workload::Visit<B>,
            >(&self, visitor: V) -> V::Output {
                match self {
                    $(Self::$variant(config) => visitor.visit::<$module::$config>(config),)+
                }
            }

            /// `visitor`'s work on this workload's configuration type, trainable.
            pub fn visit_trainable<
                B: ::burn::tensor::backend::AutodiffBackend,
                V: $crate::workload::VisitTrainable<B>,
            >(
                &self,
                visitor: V,
            ) -> V::Output {
                match self {
                    $(Self::$variant(config) => visitor.visit::<$module::$config>(config),)+
                }
            }
        }

        impl Default for WorkloadKind {
            /// The first registered: the MLP, which every older result measured.
            fn default() -> Self {
                Self::ALL[0]
            }
        }
    };
}
