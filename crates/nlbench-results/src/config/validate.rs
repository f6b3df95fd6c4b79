//! The bounds of a configuration, checked once whichever front end built it, and the
//! duplicates it may list.

use super::BenchConfig;
use crate::{error::ConfigError, limits, workload::Workload};

impl BenchConfig {
    /// Checks every bound; the message names the field, the limit and the value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        use limits::*;
        if self.models.is_empty() && self.workloads.is_empty() {
            return Err(ConfigError(
                "at least one model or workload is needed".into(),
            ));
        }
        if self.workloads.len() > MAX_LIST {
            return Err(ConfigError(format!(
                "at most {MAX_LIST} workloads, got {}",
                self.workloads.len()
            )));
        }
        for (index, workload) in self.workloads.iter().enumerate() {
            if matches!(workload, Workload::Mlp(_)) {
                return Err(ConfigError("the MLP's sizes belong in models".into()));
            }
            workload.validate()?;
            if self.workloads[..index]
                .iter()
                .any(|w| w.is(workload.kind(), workload.name()))
            {
                return Err(ConfigError(format!(
                    "workload '{}' is given twice",
                    workload.label()
                )));
            }
        }
        if self.models.len() > MAX_LIST {
            return Err(ConfigError(format!(
                "at most {MAX_LIST} models, got {}",
                self.models.len()
            )));
        }
        for model in &self.models {
            model.validate()?;
        }
        let mut names: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ConfigError(format!(
                "model name '{}' is used twice",
                pair[0]
            )));
        }
        if self.batch_sizes.is_empty() {
            return Err(ConfigError("at least one batch size is needed".into()));
        }
        if let Some(sizes) = &self.workload_batch_sizes
            && (sizes.is_empty()
                || sizes.len() > MAX_LIST
                || sizes.iter().any(|b| !(1..=MAX_BATCH).contains(b)))
        {
            return Err(ConfigError(format!(
                "the workloads' batch sizes must be 1 to {MAX_LIST} sizes between 1 and \
                 {MAX_BATCH}"
            )));
        }
        if self.batch_sizes.len() > MAX_LIST {
            return Err(ConfigError(format!(
                "at most {MAX_LIST} batch sizes, got {}",
                self.batch_sizes.len()
            )));
        }
        if let Some(&bad) = self
            .batch_sizes
            .iter()
            .find(|&&b| !(1..=MAX_BATCH).contains(&b))
        {
            return Err(ConfigError(format!(
                "batch sizes must be between 1 and {MAX_BATCH}, got {bad}"
            )));
        }
        if self.precisions.is_empty() {
            return Err(ConfigError("at least one precision is needed".into()));
        }
        if !(1..=MAX_ITERATIONS).contains(&self.iterations) {
            return Err(ConfigError(format!(
                "iterations must be between 1 and {MAX_ITERATIONS}, got {}",
                self.iterations
            )));
        }
        check_ms("warm-up", self.warmup_ms)?;
        if let Some(cap) = self.max_time_ms {
            check_ms("sampling time cap", cap)?;
        }
        if let Some(target) = self.target_ci
            && !(target > 0.0 && target <= MAX_TARGET_CI)
        {
            return Err(ConfigError(format!(
                "the interval target must be above 0 % and at most {:.0} %, got {}",
                MAX_TARGET_CI * 100.0,
                fmt_share(target)
            )));
        }
        if !(1..=MAX_REPEAT).contains(&self.repeat) {
            return Err(ConfigError(format!(
                "repeat must be between 1 and {MAX_REPEAT}, got {}",
                self.repeat
            )));
        }
        Ok(())
    }

    /// Removes repeated batch sizes and precisions (the first of each stays), so no
    /// configuration is measured twice; returns a note per removal.
    pub fn dedupe(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        let mut seen = Vec::new();
        self.batch_sizes.retain(|&b| {
            let first = !seen.contains(&b);
            if first {
                seen.push(b);
            } else {
                notes.push(format!(
                    "batch size {b} was given twice; it is measured once"
                ));
            }
            first
        });
        let mut seen = Vec::new();
        self.precisions.retain(|&p| {
            let first = !seen.contains(&p);
            if first {
                seen.push(p);
            } else {
                notes.push(format!(
                    "precision {p} was given twice; it is measured once"
                ));
            }
            first
        });
        notes
    }
}

fn check_ms(what: &str, ms: f64) -> Result<(), ConfigError> {
    if ms.is_finite() && (0.0..=limits::MAX_MS).contains(&ms) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{what} must be between 0 and {} ms, got {ms}",
            limits::MAX_MS
        )))
    }
}

fn fmt_share(share: f64) -> String {
    format!("{} %", share * 100.0)
}
