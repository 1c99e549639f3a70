//! `cargo run -p codegen`: regenerates `emulator/src/generated/` from the committed
//! stripped models. `-- --botocore DIR` (botocore's `data/` directory) or
//! `-- --installed-botocore` first replaces those models with the given botocore's:
//! never implicitly, as an older installed botocore would silently drop operations.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

fn installed_botocore() -> Result<Option<PathBuf>> {
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
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--botocore" => botocore = args.next().map(PathBuf::from),
            "--installed-botocore" => {
                botocore = Some(installed_botocore()?.context("no installed botocore (pip install botocore)")?)
            }
            other => bail!(
                "unknown argument {other:?}; usage: codegen [--botocore DATA_DIR | --installed-botocore]"
            ),
        }
    }
    let root = codegen::workspace_root();
    if let Some(dir) = botocore {
        codegen::strip_all(&root, &dir)
            .with_context(|| format!("stripping the models under {dir:?}"))?;
        eprintln!("stripped models from {dir:?} into {}", codegen::MODELS_DIR);
    }
    let out = root.join(codegen::OUT_DIR);
    std::fs::create_dir_all(&out)?;
    for (path, content) in codegen::generate_all(&root)? {
        std::fs::write(root.join(&path), content)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
