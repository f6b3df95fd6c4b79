//! A result's device ([`nlbench_results::device`]) as wgpu describes an adapter.

pub use nlbench_results::device::*;

/// Identity of a wgpu adapter. A CPU-type adapter is a software rasteriser.
pub fn from_wgpu(info: &wgpu::AdapterInfo, features: wgpu::Features) -> DeviceInfo {
    let device_type = device_type(info.device_type);
    let vendor = vendor_name(info.vendor)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("unknown (0x{:04x})", info.vendor));
    let mut feature_names = Vec::new();
    if features.contains(wgpu::Features::SHADER_F16) {
        feature_names.push("shader-f16".to_owned());
    }
    if features.contains(wgpu::Features::TIMESTAMP_QUERY) {
        feature_names.push("timestamp-query".to_owned());
    }
    DeviceInfo {
        backend: "wgpu".into(),
        api: format!("{:?}", info.backend),
        name: info.name.clone(),
        vendor_id: Some(info.vendor),
        vendor,
        device_id: Some(info.device),
        device_type,
        driver: info.driver.clone(),
        driver_info: info.driver_info.clone(),
        software: device_type == DeviceType::Cpu,
        features: feature_names,
        kernels: None,
    }
}

fn device_type(value: wgpu::DeviceType) -> DeviceType {
    match value {
        wgpu::DeviceType::DiscreteGpu => DeviceType::DiscreteGpu,
        wgpu::DeviceType::IntegratedGpu => DeviceType::IntegratedGpu,
        wgpu::DeviceType::VirtualGpu => DeviceType::VirtualGpu,
        wgpu::DeviceType::Cpu => DeviceType::Cpu,
        wgpu::DeviceType::Other => DeviceType::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_adapter_is_software() {
        let info = wgpu::AdapterInfo {
            name: "llvmpipe (LLVM 15.0.6, 256 bits)".into(),
            vendor: 0x10005,
            device: 0,
            device_type: wgpu::DeviceType::Cpu,
            driver: "llvmpipe".into(),
            driver_info: "Mesa 22.3.6".into(),
            backend: wgpu::Backend::Vulkan,
            device_pci_bus_id: String::new(),
            subgroup_min_size: 8,
            subgroup_max_size: 8,
            transient_saves_memory: false,
        };
        let device = from_wgpu(&info, wgpu::Features::TIMESTAMP_QUERY);
        assert!(device.software);
        assert_eq!(device.vendor, "Mesa");
        assert_eq!(device.api, "Vulkan");
        assert_eq!(device.features, vec!["timestamp-query".to_owned()]);
        assert_eq!(device.label(), "llvmpipe · Vulkan (software)");
        assert!(device.emulated_gpu() && !device.is_cpu());
        let cpu = DeviceInfo::cpu("Flex (CPU)", "AMD EPYC".into(), "AuthenticAMD".into());
        assert_eq!(cpu.label(), "AMD EPYC · Flex (CPU)");
        assert!(cpu.is_cpu() && !cpu.emulated_gpu() && !cpu.hardware_gpu());
    }
}
