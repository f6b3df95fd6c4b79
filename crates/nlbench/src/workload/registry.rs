//! The workloads' side that needs a backend, generated from the one list
//! ([`nlbench_results::registered_workloads`]): each registered workload's module here holds
//! its burn network, and [`OnBackend`] builds and visits any [`Workload`](super::Workload).

macro_rules! networks {
    ($($(#[$attr:meta])* $module:ident::$variant:ident($config:ident),)+) => {
        $(pub mod $module;)+

        /// A workload built on a backend: what the inference suite times and the memory
        /// suite reads.
        pub trait OnBackend {
            /// What one timed run of `phase` runs, built on `device`: weights from the
            /// backend's generator seeded with `seed`, a random input of `batch` samples.
            fn build<B: ::burn::tensor::backend::Backend>(
                &self,
                phase: $crate::workload::Phase,
                batch: usize,
                seed: u64,
                precision: $crate::precision::Precision,
                device: &B::Device,
            ) -> Box<dyn $crate::workload::Runnable<B>>;

            /// `visitor`'s work on this workload's configuration type.
            fn visit<B: ::burn::tensor::backend::Backend, V: $crate::workload::Visit<B>>(
                &self,
                visitor: V,
            ) -> V::Output;

            /// `visitor`'s work on this workload's configuration type, trainable.
            fn visit_trainable<
                B: ::burn::tensor::backend::AutodiffBackend,
                V: $crate::workload::VisitTrainable<B>,
            >(
                &self,
                visitor: V,
            ) -> V::Output;
        }

        impl OnBackend for $crate::workload::Workload {
            fn build<B: ::burn::tensor::backend::Backend>(
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

            fn visit<B: ::burn::tensor::backend::Backend, V: $crate::workload::Visit<B>>(
                &self,
                visitor: V,
            ) -> V::Output {
                match self {
                    $(Self::$variant(config) => {
                        visitor.visit::<::nlbench_results::workload::$module::$config>(config)
                    })+
                }
            }

            fn visit_trainable<
                B: ::burn::tensor::backend::AutodiffBackend,
                V: $crate::workload::VisitTrainable<B>,
            >(
                &self,
                visitor: V,
            ) -> V::Output {
                match self {
                    $(Self::$variant(config) => {
                        visitor.visit::<::nlbench_results::workload::$module::$config>(config)
                    })+
                }
            }
        }
    };
}
