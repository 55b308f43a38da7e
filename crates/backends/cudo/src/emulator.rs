//! An emulator of CUDO Compute's REST API for tests and `regionkit demo`.
//!
//! It serves `GET /vms/data-centers` and `GET /vms/machine-types?projectId=` below the
//! versioned base, in the shapes of CUDO's 2026 OpenAPI, with real data center ids. Which of
//! its two documented error bodies CUDO sends is not known, so the emulator uses both: the
//! OpenAPI `Status` (gRPC code) for most failures, and the AIP-193 body of CUDO's error docs
//! (HTTP code and status name) for throttling and for a project the key cannot see.

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde_json::{json, Value};

/// The API key the emulator accepts.
pub const EMULATOR_API_KEY: &str = "cudo_emulator_key_0123456789abcdef";
/// The project that key may read.
pub const EMULATOR_PROJECT_ID: &str = "emulator-project";

/// (id, supplier, latitude, longitude). `no-kristiansand-1` is missing on purpose: only the
/// machine types name it, as happens when the two answers are out of step.
const DATA_CENTERS: &[(&str, &str, f64, f64)] = &[
    ("no-luster-1", "Example Supplier AS", 61.27, 7.39),
    ("se-stockholm-1", "Example Supplier AB", 59.33, 18.07),
    ("gb-bournemouth-1", "Example Supplier Ltd", 50.72, -1.88),
    ("ca-montreal-3", "Example Supplier Inc", 45.5, -73.57),
    ("us-newyork-1", "Example Supplier LLC", 40.71, -74.01),
    ("us-carlsbad-1", "Example Supplier Corp", 33.16, -117.35),
];

/// One machine type in one data center and what is free of it.
struct MachineRow {
    data_center: &'static str,
    machine_type: &'static str,
    cpu_model: &'static str,
    /// Empty for CPU-only types.
    gpu_model_id: &'static str,
    max_gpu_free: u32,
    total_gpu_free: u32,
    max_vcpu_free: u32,
}

const fn row(
    data_center: &'static str,
    machine_type: &'static str,
    cpu_model: &'static str,
    gpu_model_id: &'static str,
    (max_gpu_free, total_gpu_free, max_vcpu_free): (u32, u32, u32),
) -> MachineRow {
    MachineRow {
        data_center,
        machine_type,
        cpu_model,
        gpu_model_id,
        max_gpu_free,
        total_gpu_free,
        max_vcpu_free,
    }
}

/// Free capacity is (max GPU free, total GPU free, max vCPU free). `gb-bournemouth-1` has GPUs
/// free in total but none on a single host; `us-newyork-1` offers only CPU machines.
const MACHINE_TYPES: &[MachineRow] = &[
    row(
        "no-kristiansand-1",
        "sapphire-rapids-h100",
        "SapphireRapids",
        "sxm-h100",
        (4, 7, 96),
    ),
    row(
        "no-luster-1",
        "epyc-milan-rtx-a4000",
        "EpycMilan",
        "rtx-a4000",
        (2, 6, 48),
    ),
    row(
        "se-stockholm-1",
        "ice-lake-rtx-a6000",
        "IceLake",
        "rtx-a6000",
        (0, 0, 0),
    ),
    row(
        "gb-bournemouth-1",
        "epyc-rome-rtx-a5000",
        "EpycRome",
        "rtx-a5000",
        (0, 3, 64),
    ),
    row(
        "us-newyork-1",
        "intel-broadwell",
        "Broadwell",
        "",
        (0, 0, 32),
    ),
    row(
        "us-carlsbad-1",
        "sapphire-rapids-h100",
        "SapphireRapids",
        "sxm-h100",
        (8, 16, 192),
    ),
];

#[derive(Debug, Default)]
pub struct CudoEmulator;

fn money(value: &str) -> Value {
    json!({ "value": value })
}

/// The OpenAPI `Status` body: the code is a gRPC code.
fn status_error(http: u16, grpc: u16, message: &str) -> EmuResponse {
    EmuResponse::json(
        http,
        &json!({ "code": grpc, "message": message, "details": [] }),
    )
}

/// The AIP-193 body of CUDO's error docs: the code is the HTTP status.
fn aip193_error(http: u16, status: &str, message: &str, details: Value) -> EmuResponse {
    EmuResponse::json(
        http,
        &json!({ "code": http, "status": status, "message": message, "details": details }),
    )
}

fn data_center(id: &str, supplier: &str, latitude: f64, longitude: f64) -> Value {
    json!({
        "id": id,
        "supplierName": supplier,
        "renewableEnergy": true,
        "ipv4Free": 40,
        "ipv4PriceHr": money("0.005"),
        "networkPriceHr": money("0"),
        "networkPricing": [],
        "diskPoolPricing": [{ "diskGibPriceHr": money("0.00013") }],
        "objectStorageGibPriceHr": money("0.00003"),
        "s3Endpoint": "",
        "location": { "latitude": latitude, "longitude": longitude }
    })
}

fn machine_type(row: &MachineRow) -> Value {
    let gpu = !row.gpu_model_id.is_empty();
    let max_vcpu = row.max_vcpu_free;
    json!({
        "dataCenterId": row.data_center,
        "machineType": row.machine_type,
        "cpuModel": row.cpu_model,
        "gpuModel": row.gpu_model_id.to_ascii_uppercase(),
        "gpuModelId": row.gpu_model_id,
        "minVcpuPerMemoryGib": 0.25,
        "maxVcpuPerMemoryGib": 1,
        "minVcpuPerGpu": if gpu { 1 } else { 0 },
        "maxVcpuPerGpu": if gpu { 24 } else { 0 },
        "vcpuPriceHr": money("0.0022"),
        "memoryGibPriceHr": money("0.0008"),
        "gpuPriceHr": money(if gpu { "1.80" } else { "0" }),
        "minStorageGibPriceHr": money("0.00013"),
        "ipv4PriceHr": money("0.005"),
        "renewableEnergy": true,
        "maxVcpuFree": max_vcpu,
        "totalVcpuFree": max_vcpu * 2,
        "maxMemoryGibFree": max_vcpu * 4,
        "totalMemoryGibFree": max_vcpu * 8,
        "maxGpuFree": row.max_gpu_free,
        "totalGpuFree": row.total_gpu_free,
        "maxStorageGibFree": 2000,
        "totalStorageGibFree": 8000,
        "minVcpu": 1,
        "minMemoryGib": 1,
        "prices": []
    })
}

impl EmulatedApi for CudoEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        let data_centers = request.is("GET", "/vms/data-centers");
        let machine_types = request.is("GET", "/vms/machine-types");
        if !data_centers && !machine_types {
            return status_error(404, 5, "Not Found");
        }
        if request.bearer() != Some(EMULATOR_API_KEY) {
            return status_error(401, 16, "invalid API key");
        }
        if data_centers {
            let rows: Vec<Value> = DATA_CENTERS
                .iter()
                .filter(|_| !request.empty)
                .map(|(id, supplier, lat, lon)| data_center(id, supplier, *lat, *lon))
                .collect();
            return EmuResponse::json(200, &json!({ "dataCenters": rows }));
        }
        if let Some(project) = request
            .query("projectId")
            .filter(|p| *p != EMULATOR_PROJECT_ID)
        {
            return aip193_error(
                404,
                "NOT_FOUND",
                &format!("project '{project}' was not found"),
                json!([{
                    "@type": "type.googleapis.com/google.rpc.ResourceInfo",
                    "resourceType": "project",
                    "resourceName": project
                }]),
            );
        }
        let rows: Vec<Value> = MACHINE_TYPES
            .iter()
            .filter(|_| !request.empty)
            .map(machine_type)
            .collect();
        EmuResponse::json(200, &json!({ "machineTypes": rows }))
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut creds = serde_yaml::Mapping::new();
        creds.insert("type".into(), "api_key".into());
        creds.insert("api_key".into(), EMULATOR_API_KEY.into());
        let mut section = serde_yaml::Mapping::new();
        section.insert("project_id".into(), EMULATOR_PROJECT_ID.into());
        section.insert("creds".into(), serde_yaml::Value::Mapping(creds));
        section
    }

    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        match status {
            429 => aip193_error(429, "RESOURCE_EXHAUSTED", message, json!([])),
            401 => status_error(status, 16, message),
            403 => status_error(status, 7, message),
            503 => status_error(status, 14, message),
            400..=499 => status_error(status, 3, message),
            _ => status_error(status, 13, message),
        }
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(CudoEmulator))
}
