//! Opening: data safety of the SQLite file, reopening, bad URLs.

use crate::common::{day, finding, ingest, scan};
use interdict_store::{SQLITE_FILE, Store, StoreError};

#[tokio::test]
async fn a_corrupt_sqlite_file_is_named_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SQLITE_FILE);
    let garbage = b"this is not a database, it is somebody's notes\n".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open_data_dir(dir.path()).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("not a SQLite database"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage, "never overwritten");
}

#[tokio::test]
async fn a_damaged_sqlite_database_is_named_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SQLITE_FILE);
    {
        let store = Store::open_data_dir(dir.path()).await.unwrap();
        store.close().await;
    }
    // Keep the valid header, destroy the schema pages.
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let _ = std::fs::remove_file(dir.path().join(format!("{SQLITE_FILE}-wal")));
    let _ = std::fs::remove_file(dir.path().join(format!("{SQLITE_FILE}-shm")));
    let err = Store::open_data_dir(dir.path()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Open { .. } | StoreError::Migrate { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "never overwritten");
}

#[tokio::test]
async fn data_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_data_dir(dir.path()).await.unwrap();
        let r = scan(
            "r1",
            "web1",
            day(0),
            vec![finding("kesl", "bod-17-01", "dpkg-status")],
            &[],
            None,
        );
        ingest(&store, &r, day(0)).await;
        // No close: the commit alone made it durable.
    }
    let store = Store::open_data_dir(dir.path()).await.unwrap();
    assert_eq!(store.report_count().await.unwrap(), 1);
    let raw = store
        .report_document("r1")
        .await
        .unwrap()
        .expect("raw kept");
    let back = interdict_findings::Report::from_json(&raw, "r1").unwrap();
    assert_eq!(back.id, "r1");
    assert!(store.verify_audit().await.unwrap().intact());
}

#[tokio::test]
async fn unsupported_urls_are_refused_by_name() {
    let err = Store::connect("mysql://u:pw@db/x")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mysql://u:***@db/x") && err.contains("unsupported"),
        "{err}"
    );
}
