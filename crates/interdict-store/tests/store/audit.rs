//! The audit chain: intact after real work; an edit and a deletion are named.

use crate::common::{Backend, both_backends, day, finding, scan_on};
use interdict_store::Role;

async fn audit_chain(b: &Backend) {
    let store = &b.store;
    store
        .create_user("alice", Role::Analyst, Some("pw"), day(0), "admin")
        .await
        .unwrap();
    scan_on(
        store,
        "r1",
        "web1",
        1,
        vec![finding("kesl", "bod-17-01", "dpkg-status")],
    )
    .await;
    store
        .create_token("ci", Role::Auditor, day(2), "admin")
        .await
        .unwrap();
    scan_on(store, "r2", "web1", 3, vec![]).await;
    store
        .create_enrollment_secret(None, day(4), "admin")
        .await
        .unwrap();

    let clean = store.verify_audit().await.unwrap();
    assert!(clean.intact(), "{clean:?}");
    assert_eq!(clean.entries, 5);
    let entries = store.audit_entries(None, 10).await.unwrap().items;
    assert_eq!(entries[1].action, "report.ingest");
    assert_eq!(entries[1].subject, "r1");
    assert!(
        entries[1].detail.contains("\"to\":\"identified\""),
        "{}",
        entries[1].detail
    );
    assert_eq!(entries[2].prev_hash, entries[1].hash);
    let paged = store.audit_entries(None, 2).await.unwrap();
    let rest = store
        .audit_entries(paged.next.as_deref(), 10)
        .await
        .unwrap();
    assert_eq!(paged.items.len() + rest.items.len(), 5);

    // The segment from day 1 to day 3 is entries 2..=4 (the ingest at day 1, the token at
    // day 2, the ingest at day 3), anchored to entry 1 and verifiable offline.
    let segment = store.audit_segment(day(1), day(3)).await.unwrap();
    let seqs: Vec<i64> = segment.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [2, 3, 4]);
    assert_eq!(segment[0].prev_hash, entries[0].hash);
    interdict_findings::audit::verify_segment(&segment, &entries[0].hash).unwrap();
    assert!(
        store
            .audit_segment(day(9), day(10))
            .await
            .unwrap()
            .is_empty()
    );

    // An edit of entry 2 is named.
    b.raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
        .await;
    let edited = store.verify_audit().await.unwrap();
    let broken = edited.first_broken.expect("broken");
    assert_eq!(broken.seq, 2);
    assert!(broken.problem.contains("edited"), "{broken:?}");
    // Undo it: intact again.
    b.raw("UPDATE audit_log SET actor = 'host' WHERE seq = 2")
        .await;
    assert!(store.verify_audit().await.unwrap().intact());
    // A rehashed edit still breaks the next link.
    b.raw("UPDATE audit_log SET hash = 'f00' WHERE seq = 3")
        .await;
    let rehashed = store
        .verify_audit()
        .await
        .unwrap()
        .first_broken
        .expect("broken");
    assert_eq!(rehashed.seq, 3);
    b.raw(&format!(
        "UPDATE audit_log SET hash = '{}' WHERE seq = 3",
        entries[2].hash
    ))
    .await;
    assert!(store.verify_audit().await.unwrap().intact());

    // A deletion in the middle is named.
    assert_eq!(b.raw("DELETE FROM audit_log WHERE seq = 3").await, 1);
    let deleted = store
        .verify_audit()
        .await
        .unwrap()
        .first_broken
        .expect("broken");
    assert_eq!(deleted.seq, 3);
    assert!(deleted.problem.contains("missing"), "{deleted:?}");
}
both_backends!(audit_verify_names_edits_and_deletions, super::audit_chain);

async fn tail_deletion(b: &Backend) {
    let store = &b.store;
    for i in 0..3 {
        store
            .create_token(&format!("t{i}"), Role::Analyst, day(i), "admin")
            .await
            .unwrap();
    }
    assert!(store.verify_audit().await.unwrap().intact());
    b.raw("DELETE FROM audit_log WHERE seq = 3").await;
    let broken = store
        .verify_audit()
        .await
        .unwrap()
        .first_broken
        .expect("broken");
    assert_eq!(broken.seq, 3);
    assert!(broken.problem.contains("deleted at the end"), "{broken:?}");
}
both_backends!(
    audit_verify_names_a_deleted_last_entry,
    super::tail_deletion
);

async fn credentials(b: &Backend) {
    let store = &b.store;
    let user = store
        .create_user("bob", Role::Admin, Some("s3cret"), day(0), "setup")
        .await
        .unwrap();
    assert!(
        store
            .create_user("bob", Role::Auditor, None, day(0), "setup")
            .await
            .is_err()
    );
    assert_eq!(
        store.authenticate_user("bob", "s3cret").await.unwrap(),
        Some(user)
    );
    assert_eq!(store.authenticate_user("bob", "wrong").await.unwrap(), None);
    let (token, plain) = store
        .create_token("ci", Role::Auditor, day(0), "bob")
        .await
        .unwrap();
    assert_eq!(
        store.token_by_secret(&plain).await.unwrap(),
        Some(token.clone())
    );
    assert_eq!(store.token_by_secret("idt_nope").await.unwrap(), None);
    store.revoke_token(&token.id, day(1), "bob").await.unwrap();
    assert_eq!(store.token_by_secret(&plain).await.unwrap(), None);
    let secret = store
        .create_enrollment_secret(Some(day(5)), day(0), "bob")
        .await
        .unwrap();
    assert!(
        store
            .enrollment_secret_valid(&secret, day(1))
            .await
            .unwrap()
    );
    assert!(
        !store
            .enrollment_secret_valid(&secret, day(6))
            .await
            .unwrap()
    );
    let cred = store
        .create_host_credential("machine-id:web1", day(0), "enroll")
        .await
        .unwrap();
    assert_eq!(
        store.host_by_credential(&cred).await.unwrap().as_deref(),
        Some("machine-id:web1")
    );
    // Secrets are stored hashed: the plain values appear nowhere in the audit log.
    for e in store.audit_entries(None, 100).await.unwrap().items {
        assert!(
            !e.detail.contains(&plain) && !e.detail.contains(&cred) && !e.detail.contains(&secret)
        );
    }
}
both_backends!(users_tokens_secrets_credentials, super::credentials);
