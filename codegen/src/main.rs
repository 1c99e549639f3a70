//! `cargo run -p codegen [-- --botocore DIR]`: strips botocore's service models into
//! `codegen/models/` (when botocore is given or installed) and regenerates
//! `emulator/src/generated/` from them.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

fn botocore_data(arg: Option<PathBuf>) -> Result<Option<PathBuf>> {
    if let Some(dir) = arg {
        return Ok(Some(dir));
    }
    // An installed botocore (`pip install botocore`) knows where its data lies.
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))",
        ])
        .output();
    match output {
        Ok(out) if out.status.success() => {
            let dir = String::from_utf8(out.stdout)?.trim().to_owned();
            Ok(Some(PathBuf::from(dir)))
        }
        _ => Ok(None),
    }
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut botocore = None;
    let mut models_only = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--botocore" => botocore = args.next().map(PathBuf::from),
            "--from-committed-models" => models_only = true,
            other => bail!(
                "unknown argument {other:?}; usage: codegen [--botocore DATA_DIR | --from-committed-models]"
            ),
        }
    }
    let root = codegen::workspace_root();
    if !models_only {
        match botocore_data(botocore)? {
            Some(dir) => {
                codegen::strip_all(&root, &dir)
                    .with_context(|| format!("stripping the models under {dir:?}"))?;
                eprintln!("stripped models from {dir:?} into {}", codegen::MODELS_DIR);
            }
            None => eprintln!("no botocore found: generating from the committed models"),
        }
    }
    let out = root.join(codegen::OUT_DIR);
    std::fs::create_dir_all(&out)?;
    for (path, content) in codegen::generate_all(&root)? {
        std::fs::write(root.join(&path), content)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
