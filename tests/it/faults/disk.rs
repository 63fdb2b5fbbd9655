//! A full disk under SQLite: writes get a 503 page (never a 500, never a
//! panic), signed-in people keep working, and once there is room again
//! everything works with nothing lost. The database lives on a small tmpfs
//! the test mounts (root is needed for that; CI runs as root).

use std::process::Command;
use std::time::{Duration, SystemTime};

use super::whoami;
use crate::common::browser::{Browser, mail};
use crate::common::gateway::{Db, Gateway};

/// A 3 MiB tmpfs, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("mount");
        assert!(
            out.status.success(),
            "mounting a small tmpfs needs root (scripts/test in CI runs as root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }

    /// Fill what is left; returns how many bytes that took.
    fn fill(&self) -> u64 {
        use std::io::Write;
        let mut f = std::fs::File::create(self.dir.path().join("filler")).unwrap();
        let chunk = vec![0u8; 16 * 1024];
        let mut n = 0u64;
        while f.write_all(&chunk).is_ok() {
            n += chunk.len() as u64;
        }
        // The last bytes, smaller than a chunk.
        while f.write_all(&[0u8; 512]).is_ok() {
            n += 512;
        }
        let _ = f.flush();
        n
    }

    fn free(&self) {
        std::fs::remove_file(self.dir.path().join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

async fn start_email(b: &Browser, email: &str) -> u16 {
    b.submit("/.passgate/email/start", &[("email", email), ("rd", "")])
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_full_disk_under_sqlite_is_a_503_and_loses_nothing() {
    let disk = SmallDisk::mount();
    let db = disk.dir.path().join("passgate.db");
    let gw = Gateway::start_with(Db::SqliteAt(db.clone()), None, |s| {
        s.config(
            "",
            "[signup]\nmode = \"open\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        )
    })
    .await;
    let outbox = gw.dir.path().join("outbox");
    let kept = gw.session_for("kept@example.com", &[]).await;
    assert_eq!(whoami(&gw, &kept).await.0, 200);

    let filled = disk.fill();
    assert!(filled > 0, "the disk had room before");
    // A new sign-in cannot be written: a 503 page at the step that writes,
    // nothing in between answers 5xx other than 503.
    let b = Browser::new(&gw.origin());
    let t = SystemTime::now() - Duration::from_secs(1);
    let started = start_email(&b, "new@example.com").await;
    assert!(
        [200, 503].contains(&started),
        "starting an email sign-in on a full disk: {started}"
    );
    if started == 200 {
        let (link, _) = mail(&outbox, "new@example.com", t).await;
        let token = link.split("token=").nth(1).unwrap().to_string();
        let r = b
            .submit("/.passgate/email/verify", &[("token", &token)])
            .await;
        let status = r.status().as_u16();
        let page = r.text().await.unwrap_or_default();
        assert_eq!(status, 503, "confirming a sign-in on a full disk: {page}");
        assert!(
            page.to_lowercase().contains("try again"),
            "the page says what to do: {page}"
        );
    }
    // Signed-in people keep working (their sessions are read, not written).
    for _ in 0..5 {
        assert_eq!(whoami(&gw, &kept).await.0, 200, "signed in on a full disk");
    }

    disk.free();
    // Room again: sign-in works as soon as the store's breaker has probed
    // it back (every half second; until then a clear 503, and the emailed
    // link is not used up by it).
    let t = SystemTime::now() - Duration::from_secs(1);
    assert_eq!(start_email(&b, "again@example.com").await, 200);
    let (link, _) = mail(&outbox, "again@example.com", t).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let freed = std::time::Instant::now();
    loop {
        let r = b
            .submit("/.passgate/email/verify", &[("token", &token)])
            .await;
        let status = r.status().as_u16();
        if status == 303 {
            break;
        }
        let page = r.text().await.unwrap_or_default();
        assert_eq!(status, 503, "after freeing the disk: {page}");
        assert!(
            freed.elapsed() < Duration::from_secs(5),
            "still 503 five seconds after the disk had room: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(b.whoami().await.is_some());
    // Nothing lost, nothing damaged.
    assert_eq!(whoami(&gw, &kept).await.0, 200);
    let store = gw.store().await;
    assert!(
        store
            .find_user_by_email("kept@example.com")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .find_user_by_email("again@example.com")
            .await
            .unwrap()
            .is_some()
    );
    let conn = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&conn)
        .await
        .unwrap();
    assert_eq!(check.0, "ok");
    assert!(!gw.log().contains("panicked"), "{}", gw.log());
}
