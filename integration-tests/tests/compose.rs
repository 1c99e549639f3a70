//! Checks of the container set-up that need no Docker engine: `docker-compose.yml` and the
//! `Dockerfile` agree with each other and with the emulator, and keep the image safe (a
//! non-root user, the port published on loopback only). CI also builds and runs the image
//! and the whole end-to-end suite against it (`scripts/ci-compose.sh`).

use std::path::Path;

fn repo_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn compose_file_serves_the_emulator_on_4566_with_a_healthcheck() {
    let compose: serde_json::Value =
        serde_yaml_ng::from_str(&repo_file("docker-compose.yml")).expect("valid YAML");
    let services = compose["services"].as_object().expect("services mapping");
    assert_eq!(services.len(), 1, "one service");
    let emulator = &compose["services"]["emulator"];
    assert_eq!(emulator["build"]["context"], ".");
    assert_eq!(emulator["build"]["dockerfile"], "Dockerfile");
    let ports: Vec<&str> = emulator["ports"]
        .as_array()
        .expect("ports list")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    // Published on this machine's loopback interface only, not on the network.
    assert_eq!(ports, ["127.0.0.1:4566:4566"]);
    assert_eq!(emulator["user"], "emulator", "not root");
    assert_eq!(emulator["cap_drop"][0], "ALL");
    let test = emulator["healthcheck"]["test"]
        .as_array()
        .expect("healthcheck test");
    assert_eq!(test[0], "CMD");
    assert!(test
        .iter()
        .any(|t| t.as_str().is_some_and(|t| t.contains("/_emulator/health"))));
    for key in ["interval", "timeout", "retries"] {
        assert!(!emulator["healthcheck"][key].is_null(), "healthcheck {key}");
    }
    // The state is kept with --state-dir in a named volume mounted there, a directory the
    // image gives its user.
    let command: Vec<&str> = emulator["command"]
        .as_array()
        .expect("command list")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    let at = command
        .iter()
        .position(|c| *c == "--state-dir")
        .expect("--state-dir");
    let dir = command[at + 1];
    let volumes: Vec<&str> = emulator["volumes"]
        .as_array()
        .expect("volumes list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let (volume, mount) = volumes[0].split_once(':').expect("NAME:PATH");
    assert_eq!(mount, dir);
    assert!(
        compose["volumes"].get(volume).is_some(),
        "{volume} is a named volume"
    );
    assert!(repo_file("Dockerfile")
        .contains(&format!("install -d -o emulator -g emulator -m 0700 {dir}")));
}

#[test]
fn dockerfile_builds_with_the_ci_script_and_loads_existing_fixtures() {
    let dockerfile = repo_file("Dockerfile");
    assert!(dockerfile.contains("RUN scripts/build-release.sh"));
    assert!(dockerfile.contains("EXPOSE 4566"));
    assert!(dockerfile.contains("EMULATOR_LISTEN=0.0.0.0:4566"));
    // The final stage runs as the user it creates, never as root.
    let final_stage = dockerfile.rsplit("\nFROM ").next().expect("a final stage");
    assert!(final_stage.contains("useradd --system --uid 10001"));
    assert!(final_stage.contains("\nUSER emulator\n"));
    assert!(final_stage.contains("HEALTHCHECK"));
    let script = repo_file("scripts/build-release.sh");
    assert!(script.contains("-p emulator") && script.contains("-p handler"));
    // Every fixture path the image loads exists in the repository at the place COPY puts it.
    let line = dockerfile
        .lines()
        .find(|l| l.contains("EMULATOR_FIXTURES="))
        .expect("EMULATOR_FIXTURES is set");
    let value = line.split("EMULATOR_FIXTURES=").nth(1).unwrap().trim();
    for path in value.split(',') {
        let in_repo = if let Some(rest) = path.strip_prefix("/fixtures/tests") {
            format!("integration-tests/fixtures{rest}")
        } else {
            path.strip_prefix('/').unwrap().to_owned()
        };
        let full = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(&in_repo);
        assert!(
            full.exists(),
            "{path} (repository: {in_repo}) does not exist"
        );
    }
    // And they load: the emulator accepts them (the handler's path is the image's).
    let paths: Vec<std::path::PathBuf> = value
        .split(',')
        .filter(|p| !p.starts_with("/fixtures/docker"))
        .map(|p| {
            let in_repo = match p.strip_prefix("/fixtures/tests") {
                Some(rest) => format!("integration-tests/fixtures{rest}"),
                None => p.strip_prefix('/').unwrap().to_owned(),
            };
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(in_repo)
        })
        .collect();
    emulator::fixtures::load(&paths, "123456789012").expect("the image's fixtures load");
}
