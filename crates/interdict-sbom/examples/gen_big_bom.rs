//! Writes a large CycloneDX 1.6 JSON SBOM for benchmarks: one appliance metadata
//! component and 14,000 components (or the count given), some nested, one of them a
//! Kaspersky engine two levels deep.
//!
//! Usage: `cargo run --release -p interdict-sbom --example gen_big_bom -- <out.json> [count]`
#![forbid(unsafe_code)]

use serde_json::{Value, json};
use std::process::ExitCode;

const DEFAULT_COUNT: usize = 14_000;
const SUPPLIERS: [&str; 6] = [
    "The Apache Software Foundation",
    "Debian Maintainers",
    "FasterXML",
    "Northwind Networks",
    "Oracle Corporation",
    "Acme Security Ltd",
];

fn component(index: usize) -> Value {
    let name = format!("lib-{index:05}");
    json!({
        "type": "library",
        "bom-ref": format!("ref-{index}"),
        "group": format!("org.example.group{}", index % 97),
        "name": name,
        "version": format!("{}.{}.{}", index % 7, index % 13, index % 29),
        "supplier": { "name": SUPPLIERS[index % SUPPLIERS.len()] },
        "purl": format!("pkg:maven/org.example.group{}/{name}@{}.{}.{}", index % 97, index % 7, index % 13, index % 29),
        "hashes": [{ "alg": "SHA-256", "content": format!("{index:064x}") }],
        "licenses": [{ "license": { "id": "Apache-2.0" } }],
    })
}

/// Builds the document: every 50th component carries four nested children, and the
/// first group nests the Kaspersky engine under an av module.
fn build(count: usize) -> Value {
    let mut top: Vec<Value> = Vec::new();
    let mut made = 0;
    let mut index = 0;
    while made < count {
        let mut parent = component(index);
        index += 1;
        made += 1;
        if made == 1 && made < count {
            parent["name"] = json!("av-module");
            parent["components"] = json!([{
                "type": "library",
                "bom-ref": "kav-engine",
                "name": "kav-engine",
                "version": "8.9",
                "supplier": { "name": "AO Kaspersky Lab" },
                "purl": "pkg:generic/kaspersky/kav-sdk@8.9",
            }]);
            made += 1;
        } else if made % 50 == 0 {
            let children: Vec<Value> = (0..4.min(count - made))
                .map(|_| {
                    let child = component(index);
                    index += 1;
                    child
                })
                .collect();
            made += children.len();
            parent["components"] = Value::Array(children);
        }
        top.push(parent);
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:00000000-0000-4000-8000-000000014000",
        "version": 1,
        "metadata": {
            "timestamp": "2025-01-01T00:00:00Z",
            "component": { "type": "firmware", "bom-ref": "appliance-fw", "name": "appliance-fw", "version": "1.0" }
        },
        "components": top,
    })
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: gen_big_bom <out.json> [count]");
        return ExitCode::from(2);
    };
    let count = match args.next().map(|c| c.parse::<usize>()) {
        None => DEFAULT_COUNT,
        Some(Ok(count)) if count > 0 => count,
        Some(_) => {
            eprintln!("gen_big_bom: count must be a positive integer");
            return ExitCode::from(2);
        }
    };
    let bom = build(count);
    let bytes = match serde_json::to_vec_pretty(&bom) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("gen_big_bom: cannot serialize: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&out, &bytes) {
        eprintln!("gen_big_bom: cannot write {out}: {e}");
        return ExitCode::FAILURE;
    }
    println!("wrote {out}: {count} components, {} bytes", bytes.len());
    ExitCode::SUCCESS
}
