//! Replays the `vex` fuzz target's corpus and every input that ever crashed it
//! (`fuzz/seeds/vex`, `fuzz/corpus/vex`, `fuzz/regressions/vex`) through the same harness, on
//! stable.

use std::path::Path;

#[test]
fn the_vex_corpus_and_past_crashes_replay_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for dir in ["seeds/vex", "corpus/vex", "regressions/vex"] {
        for entry in std::fs::read_dir(fuzz.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".gitkeep") {
                continue;
            }
            cargo_cra::fuzzing::vex(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    assert!(n >= 2, "the corpus is missing: only {n} inputs");
}
