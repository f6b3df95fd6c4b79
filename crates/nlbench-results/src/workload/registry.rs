//! The one list of workloads, and the macro that makes the results' side of it. Each line of
//! the list names a workload's module, its variant and its configuration type (which
//! implements [`Definition`](super::Definition)); everything that dispatches on a workload is
//! generated from the list: here its name and title, its presets and its shapes, in the
//! `nlbench` crate building it on a backend and the memory suite's readings (that crate
//! hands its own macro to [`registered_workloads!`](crate::registered_workloads)). Adding a
//! workload is its definition here, its network there, its presets in `presets.json` and one
//! line.

/// Hands the list of workloads to the macro `$then`, which the caller defines: one line per
/// workload, `module::Variant(ConfigType),` with the variant's attributes.
#[macro_export]
macro_rules! registered_workloads {
    ($then:ident) => {
        $then! {
            /// The NeuralLayers network; a run's MLPs are its `models`, so this variant is
            /// never stored in the list of other workloads.
            #[serde(skip)]
            mlp::Mlp(ModelConfig),
            encoder::Encoder(EncoderConfig),
            decoder::Decoder(DecoderConfig),
            cnn::Cnn(CnnConfig),
            vit::Vit(VitConfig),
        }
    };
}

/// The results' side of the list: each workload's definition module, [`WorkloadKind`] and
/// [`Workload`].
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
        }

        impl Default for WorkloadKind {
            /// The first registered: the MLP, which every older result measured.
            fn default() -> Self {
                Self::ALL[0]
            }
        }
    };
}
