//! `weft group-sig …` and `weft ring-sig …`: make the keys and signatures that the privacy
//! precompiles verify on chain (group signatures at `0x5004`, ring signatures at `0x5005`),
//! and open, check and link them locally.
//!
//! ```text
//!  group manager: keygen --out G ─▶ G/group.gpk  G/opening.key  G/issuing.key  G/members.tsv
//!                 issue --group G ─▶ member key file (give it to the member), tag in members.tsv
//!  member:        sign --gpk G/group.gpk --member M --message TEXT ─▶ bbs04-sig:1:…
//!  anyone:        0x5004 groupSigVerify(sig, TEXT, contents of group.gpk, bbs04-param:1:…)
//!  manager:       open --group G --message TEXT --signature S ─▶ which member signed
//!
//!  each member:   ring-sig keygen --out K ─▶ K (secret), K.pub (lsag-pk:1:…)
//!  anyone:        ring-sig ring K1.pub K2.pub … ─▶ lsag-ring:1:…   (the paramInfo)
//!  member:        ring-sig sign --ring … --secret K --message TEXT ─▶ lsag-sig:1:…
//!  anyone:        0x5005 ringSigVerify(sig, TEXT, lsag-ring:1:…);  ring-sig linked S1 S2
//! ```
//!
//! Every value is text in the `weft-sig-schemes` encoding (`<kind>:1:<hex>`), so what these
//! commands print can be passed to a contract unchanged. Secret keys are written with mode
//! 0600 and never overwritten. The command functions return what they made, so they can be
//! called from Rust as well as from the command line.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use weft_sig_schemes::bbs04::{
    self, GroupPublicKey, GroupSignature, IssuingKey, MemberKey, MemberTag, OpeningKey,
};
use weft_sig_schemes::lsag::{self, Ring, RingPublicKey, RingSecretKey, RingSignature};

/// The group public key's file in a group folder.
pub const GROUP_PUBLIC_KEY_FILE: &str = "group.gpk";
/// The opening key's file in a group folder (secret: it reveals signers).
pub const OPENING_KEY_FILE: &str = "opening.key";
/// The issuing key's file in a group folder (secret: it admits members).
pub const ISSUING_KEY_FILE: &str = "issuing.key";
/// The member registry of a group folder: `index<TAB>name<TAB>tag` per line.
pub const MEMBERS_FILE: &str = "members.tsv";
/// Where `issue` puts member keys by default, inside the group folder.
pub const MEMBER_KEYS_DIR: &str = "members";

/// `weft group-sig …`: BBS04 group signatures for precompile 0x5004.
#[derive(Debug, Args)]
pub struct GroupSigArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: GroupSigCommand,
}

/// The group signature commands.
#[derive(Debug, Subcommand)]
pub enum GroupSigCommand {
    /// Create a group: public key, opening key, issuing key and an empty member registry.
    Keygen {
        /// The group folder to create (must not exist, or be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Issue a new member key (needs the group's issuing key) and record it in the registry.
    Issue {
        /// The group folder.
        #[arg(long, value_name = "DIR")]
        group: PathBuf,
        /// Where to write the member key (default: DIR/members/<index>.key).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Who the member is, recorded in the registry for `open`.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Sign a message as an anonymous member; prints the signature.
    Sign {
        /// The group public key file (group.gpk).
        #[arg(long, value_name = "FILE")]
        gpk: PathBuf,
        /// The member key file.
        #[arg(long, value_name = "FILE")]
        member: PathBuf,
        /// The message, exactly as the contract will pass it.
        #[arg(long, value_name = "TEXT")]
        message: String,
    },
    /// Reveal which member made a signature (needs the group's opening key).
    Open {
        /// The group folder.
        #[arg(long, value_name = "DIR")]
        group: PathBuf,
        /// The signed message.
        #[arg(long, value_name = "TEXT")]
        message: String,
        /// The signature, or a file holding it.
        #[arg(long, value_name = "SIG|FILE")]
        signature: String,
        /// Member key, member tag or registry files to look the signer up in (default: the
        /// group's registry).
        #[arg(long, num_args = 1.., value_name = "FILE")]
        members: Vec<PathBuf>,
    },
    /// Check a signature locally, as precompile 0x5004 would; fails unless it verifies.
    Verify {
        /// The group public key file (group.gpk).
        #[arg(long, value_name = "FILE")]
        gpk: PathBuf,
        /// The signed message.
        #[arg(long, value_name = "TEXT")]
        message: String,
        /// The signature, or a file holding it.
        #[arg(long, value_name = "SIG|FILE")]
        signature: String,
    },
}

/// `weft ring-sig …`: LSAG linkable ring signatures for precompile 0x5005.
#[derive(Debug, Args)]
pub struct RingSigArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RingSigCommand,
}

/// The ring signature commands.
#[derive(Debug, Subcommand)]
pub enum RingSigCommand {
    /// Create a key pair: the secret key in FILE, the public key in FILE.pub.
    Keygen {
        /// The secret key file to create.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Assemble a ring from public keys; prints it (the precompile's paramInfo).
    Ring {
        /// Public keys, rings, or files holding them (one value per line), in ring order.
        #[arg(required = true, value_name = "KEY|RING|FILE")]
        keys: Vec<String>,
        /// Also write the ring to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Sign a message on behalf of a ring that contains your key; prints the signature.
    Sign {
        /// The ring: public keys, rings, or files holding them, in ring order.
        #[arg(long, required = true, num_args = 1.., value_name = "KEY|RING|FILE")]
        ring: Vec<String>,
        /// Your secret key file.
        #[arg(long, value_name = "FILE")]
        secret: PathBuf,
        /// The message, exactly as the contract will pass it.
        #[arg(long, value_name = "TEXT")]
        message: String,
    },
    /// Check a signature locally, as precompile 0x5005 would; fails unless it verifies.
    Verify {
        /// The ring: public keys, rings, or files holding them, in ring order.
        #[arg(long, required = true, num_args = 1.., value_name = "KEY|RING|FILE")]
        ring: Vec<String>,
        /// The signed message.
        #[arg(long, value_name = "TEXT")]
        message: String,
        /// The signature, or a file holding it.
        #[arg(long, value_name = "SIG|FILE")]
        signature: String,
    },
    /// Whether two signatures were made with the same key (whatever the messages and rings).
    Linked {
        /// The first signature, or a file holding it.
        #[arg(value_name = "SIG1|FILE")]
        first: String,
        /// The second signature, or a file holding it.
        #[arg(value_name = "SIG2|FILE")]
        second: String,
    },
}

impl GroupSigArgs {
    /// Run the command, printing its result.
    pub fn run(self) -> anyhow::Result<()> {
        self.command.run()
    }
}

impl GroupSigCommand {
    /// Run the command, printing its result.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            GroupSigCommand::Keygen { out } => {
                let group = group_keygen(&out)?;
                println!("group created in {}", out.display());
                println!(
                    "  public key (gpkInfo): {}",
                    group.dir.join(GROUP_PUBLIC_KEY_FILE).display()
                );
                println!("  paramInfo:            {}", bbs04::PARAM_INFO);
                println!(
                    "  opening key:          {}  (secret: reveals who signed)",
                    group.dir.join(OPENING_KEY_FILE).display()
                );
                println!(
                    "  issuing key:          {}  (secret: admits members)",
                    group.dir.join(ISSUING_KEY_FILE).display()
                );
                println!("  next: weft group-sig issue --group {}", out.display());
                Ok(())
            }
            GroupSigCommand::Issue { group, out, name } => {
                let issued = group_issue(&group, out.as_deref(), name.as_deref())?;
                println!(
                    "member #{} ({}) key in {}",
                    issued.index,
                    issued.name,
                    issued.key_file.display()
                );
                println!("  tag: {}", issued.tag.encode());
                println!("  give the key file to the member over a private channel");
                Ok(())
            }
            GroupSigCommand::Sign {
                gpk,
                member,
                message,
            } => {
                println!("{}", group_sign(&gpk, &member, &message)?);
                Ok(())
            }
            GroupSigCommand::Open {
                group,
                message,
                signature,
                members,
            } => {
                let opened = group_open(&group, &message, &signature, &members)?;
                println!("signer tag: {}", opened.tag.encode());
                match opened.member {
                    Some(name) => println!("signer:     {name}"),
                    None => println!("signer:     not among the members searched"),
                }
                Ok(())
            }
            GroupSigCommand::Verify {
                gpk,
                message,
                signature,
            } => {
                if group_verify(&gpk, &message, &signature)? {
                    println!("valid");
                    Ok(())
                } else {
                    bail!("the signature does not verify for this message and group")
                }
            }
        }
    }
}

impl RingSigArgs {
    /// Run the command, printing its result.
    pub fn run(self) -> anyhow::Result<()> {
        self.command.run()
    }
}

impl RingSigCommand {
    /// Run the command, printing its result.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            RingSigCommand::Keygen { out } => {
                let public = ring_keygen(&out)?;
                println!("{}", public.encode());
                eprintln!(
                    "secret key in {} (keep it), public key in {}",
                    out.display(),
                    public_key_path(&out).display()
                );
                Ok(())
            }
            RingSigCommand::Ring { keys, out } => {
                let ring = ring_assemble(&keys)?.encode();
                if let Some(out) = out {
                    write_new(&out, &format!("{ring}\n"), false)?;
                }
                println!("{ring}");
                Ok(())
            }
            RingSigCommand::Sign {
                ring,
                secret,
                message,
            } => {
                let ring = ring_assemble(&ring)?;
                println!("{}", ring_sign(&ring, &secret, &message)?.encode());
                Ok(())
            }
            RingSigCommand::Verify {
                ring,
                message,
                signature,
            } => {
                let ring = ring_assemble(&ring)?;
                if ring_verify(&ring, &message, &signature)? {
                    println!("valid");
                    Ok(())
                } else {
                    bail!("the signature does not verify for this message and ring")
                }
            }
            RingSigCommand::Linked { first, second } => {
                if ring_linked(&first, &second)? {
                    println!("linked: the same key made both signatures");
                } else {
                    println!("not linked: different keys made the signatures");
                }
                Ok(())
            }
        }
    }
}

/// A group folder as `group_keygen` made it.
#[derive(Debug, Clone)]
pub struct GroupFolder {
    /// The folder.
    pub dir: PathBuf,
    /// The group public key (what `group.gpk` holds).
    pub public: GroupPublicKey,
}

/// A member key `group_issue` made.
#[derive(Debug, Clone)]
pub struct IssuedMember {
    /// The member's number in the registry (from 1).
    pub index: usize,
    /// The member's name in the registry.
    pub name: String,
    /// The member key's file.
    pub key_file: PathBuf,
    /// The member's public tag, which opening a signature recovers.
    pub tag: MemberTag,
}

/// What `group_open` found.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The signer's tag.
    pub tag: MemberTag,
    /// The signer's name in the registry or the file it was found in, if found.
    pub member: Option<String>,
}

/// `group-sig keygen`: a new group in `out`.
pub fn group_keygen(out: &Path) -> anyhow::Result<GroupFolder> {
    if out.exists()
        && std::fs::read_dir(out)
            .with_context(|| format!("{} exists and is not a folder", out.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} exists and is not empty; choose a new folder for the group",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let keys = bbs04::keygen(&mut OsRng);
    write_new(
        &out.join(GROUP_PUBLIC_KEY_FILE),
        &format!("{}\n", keys.public.encode()),
        false,
    )?;
    write_new(
        &out.join(OPENING_KEY_FILE),
        &format!("{}\n", keys.opening.encode()),
        true,
    )?;
    write_new(
        &out.join(ISSUING_KEY_FILE),
        &format!("{}\n", keys.issuing.encode()),
        true,
    )?;
    // The registry ties tags to identities: as private as the opening key.
    write_new(&out.join(MEMBERS_FILE), "", true)?;
    Ok(GroupFolder {
        dir: out.to_path_buf(),
        public: keys.public,
    })
}

/// `group-sig issue`: a new member key for the group in `group`, written to `out` (default
/// `group/members/<index>.key`) and recorded in the group's registry under `name` (default
/// `member-<index>`).
pub fn group_issue(
    group: &Path,
    out: Option<&Path>,
    name: Option<&str>,
) -> anyhow::Result<IssuedMember> {
    let gpk = load_group_public_key(&group.join(GROUP_PUBLIC_KEY_FILE))?;
    let issuing_path = group.join(ISSUING_KEY_FILE);
    let issuing = IssuingKey::decode(&read_value(&issuing_path)?)
        .with_context(|| format!("{} is not an issuing key", issuing_path.display()))?;
    if !issuing.matches(&gpk) {
        bail!(
            "{} does not belong to the group public key in {}",
            issuing_path.display(),
            group.join(GROUP_PUBLIC_KEY_FILE).display()
        );
    }
    let registry_path = group.join(MEMBERS_FILE);
    let registry = read_registry(&registry_path)?;
    let index = registry.len() + 1;
    let name = name.map_or_else(|| format!("member-{index}"), str::to_owned);
    if name.is_empty() || name.contains(['\t', '\n', '\r']) {
        bail!("a member name must be non-empty and on one line without tabs");
    }
    if registry.iter().any(|(n, _)| *n == name) {
        bail!("the group has a member named {name:?} already; choose another --name");
    }
    let key_file = match out {
        Some(out) => out.to_path_buf(),
        None => {
            let dir = group.join(MEMBER_KEYS_DIR);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.join(format!("{index}.key"))
        }
    };
    let member = bbs04::issue(&gpk, &issuing, &mut OsRng);
    write_new(&key_file, &format!("{}\n", member.encode()), true)?;
    let tag = member.tag();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&registry_path)
        .with_context(|| format!("cannot open {}", registry_path.display()))?;
    writeln!(file, "{index}\t{name}\t{}", tag.encode())
        .with_context(|| format!("cannot write {}", registry_path.display()))?;
    Ok(IssuedMember {
        index,
        name,
        key_file,
        tag,
    })
}

/// `group-sig sign`: the signature (text) of `message` by the member key in `member`.
pub fn group_sign(gpk: &Path, member: &Path, message: &str) -> anyhow::Result<String> {
    let gpk_key = load_group_public_key(gpk)?;
    let key = MemberKey::decode(&read_value(member)?)
        .with_context(|| format!("{} is not a group member key", member.display()))?;
    key.check(&gpk_key).with_context(|| {
        format!(
            "the member key in {} was not issued for the group in {}",
            member.display(),
            gpk.display()
        )
    })?;
    Ok(bbs04::sign(&gpk_key, &key, message.as_bytes(), &mut OsRng).encode())
}

/// `group-sig open`: the tag of the member who signed, and their name if found in
/// `members` (member key, tag or registry files; default: the group's registry).
pub fn group_open(
    group: &Path,
    message: &str,
    signature: &str,
    members: &[PathBuf],
) -> anyhow::Result<Opened> {
    let gpk = load_group_public_key(&group.join(GROUP_PUBLIC_KEY_FILE))?;
    let opening_path = group.join(OPENING_KEY_FILE);
    let opening = OpeningKey::decode(&read_value(&opening_path)?)
        .with_context(|| format!("{} is not an opening key", opening_path.display()))?;
    if !opening.matches(&gpk) {
        bail!(
            "{} does not belong to the group public key in {}",
            opening_path.display(),
            group.join(GROUP_PUBLIC_KEY_FILE).display()
        );
    }
    let signature = GroupSignature::decode(&value_or_file(signature)?)
        .context("the signature is not a group signature")?;
    let tag = bbs04::open(&gpk, &opening, message.as_bytes(), &signature)?;
    let candidates = if members.is_empty() {
        read_registry(&group.join(MEMBERS_FILE))?
    } else {
        let mut all = Vec::new();
        for file in members {
            all.extend(read_member_file(file)?);
        }
        all
    };
    let member = candidates
        .into_iter()
        .find(|(_, t)| *t == tag)
        .map(|(name, _)| name);
    Ok(Opened { tag, member })
}

/// `group-sig verify`: whether `signature` verifies for `message` under the group public key
/// in `gpk`, exactly as precompile 0x5004 decides (an error if an argument is malformed).
pub fn group_verify(gpk: &Path, message: &str, signature: &str) -> anyhow::Result<bool> {
    let gpk_text = read_value(gpk)?;
    Ok(weft_sig_schemes::group_sig_verify(
        &value_or_file(signature)?,
        message,
        &gpk_text,
        bbs04::PARAM_INFO,
    )?)
}

/// `ring-sig keygen`: a secret key in `out` (0600) and its public key in `out.pub`.
pub fn ring_keygen(out: &Path) -> anyhow::Result<RingPublicKey> {
    let public_path = public_key_path(out);
    if public_path.exists() {
        bail!(
            "{} exists already; choose another path",
            public_path.display()
        );
    }
    let (secret, public) = lsag::keygen(&mut OsRng);
    write_new(out, &format!("{}\n", secret.encode()), true)?;
    write_new(&public_path, &format!("{}\n", public.encode()), false)?;
    Ok(public)
}

/// `ring-sig ring`: a ring of the public keys in `items` (each a public key, a ring, or a file
/// holding them one per line), in order.
pub fn ring_assemble(items: &[String]) -> anyhow::Result<Ring> {
    let mut keys = Vec::new();
    for item in items {
        let text = value_or_file(item)?;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if line.starts_with("lsag-ring:") {
                keys.extend_from_slice(
                    Ring::decode(line)
                        .with_context(|| format!("{item}: not a valid ring"))?
                        .keys(),
                );
            } else {
                keys.push(
                    RingPublicKey::decode(line)
                        .with_context(|| format!("{item}: not a ring public key"))?,
                );
            }
        }
    }
    let mut seen = HashSet::new();
    for key in &keys {
        if !seen.insert(key.encode()) {
            bail!(
                "public key {} is listed twice; list each ring member once",
                key.encode()
            );
        }
    }
    Ok(Ring::new(keys)?)
}

/// `ring-sig sign`: a signature of `message` for `ring` with the secret key in `secret`,
/// which must belong to a ring member.
pub fn ring_sign(ring: &Ring, secret: &Path, message: &str) -> anyhow::Result<RingSignature> {
    let key = RingSecretKey::decode(&read_value(secret)?)
        .with_context(|| format!("{} is not a ring secret key", secret.display()))?;
    let Some(index) = ring.position(&key.public_key()) else {
        bail!(
            "the key in {} is not in the ring; add its public key {} to the ring",
            secret.display(),
            key.public_key().encode()
        );
    };
    Ok(lsag::sign(
        message.as_bytes(),
        ring,
        &key,
        index,
        &mut OsRng,
    )?)
}

/// `ring-sig verify`: whether `signature` verifies for `message` and `ring`, exactly as
/// precompile 0x5005 decides (an error if the signature is malformed).
pub fn ring_verify(ring: &Ring, message: &str, signature: &str) -> anyhow::Result<bool> {
    // The ring is decoded already (the precompile decodes it first too).
    let signature = RingSignature::decode(&value_or_file(signature)?)?;
    Ok(lsag::verify(message.as_bytes(), ring, &signature))
}

/// `ring-sig linked`: whether two signatures carry the same key image (same signer).
pub fn ring_linked(first: &str, second: &str) -> anyhow::Result<bool> {
    let a = RingSignature::decode(&value_or_file(first)?)
        .context("the first signature is not a ring signature")?;
    let b = RingSignature::decode(&value_or_file(second)?)
        .context("the second signature is not a ring signature")?;
    Ok(lsag::linked(&a, &b))
}

/// Where `ring_keygen` puts the public key of the secret key file `secret`.
pub fn public_key_path(secret: &Path) -> PathBuf {
    let mut name = secret.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

fn load_group_public_key(path: &Path) -> anyhow::Result<GroupPublicKey> {
    GroupPublicKey::decode(&read_value(path)?)
        .with_context(|| format!("{} is not a group public key", path.display()))
}

/// An encoded value given on the command line, or the file holding it.
fn value_or_file(arg: &str) -> anyhow::Result<String> {
    if arg.starts_with("bbs04-") || arg.starts_with("lsag-") {
        Ok(arg.trim().to_owned())
    } else {
        read_value(Path::new(arg))
    }
}

/// A file's text without surrounding whitespace.
fn read_value(path: &Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text.trim().to_owned())
}

/// `(name, tag)` per line of a registry.
fn read_registry(path: &Path) -> anyhow::Result<Vec<(String, MemberTag)>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the member registry {}; is this a group folder?",
            path.display()
        )
    })?;
    parse_registry(&text).with_context(|| format!("in {}", path.display()))
}

fn parse_registry(text: &str) -> anyhow::Result<Vec<(String, MemberTag)>> {
    let mut members = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [_, name, tag] = fields[..] else {
            bail!("line {} is not `index<TAB>name<TAB>tag`", number + 1);
        };
        let tag = MemberTag::decode(tag.trim())
            .with_context(|| format!("line {}: not a member tag", number + 1))?;
        members.push((name.to_owned(), tag));
    }
    Ok(members)
}

/// The members a file names: a registry, a member key or a member tag (named by the file).
fn read_member_file(path: &Path) -> anyhow::Result<Vec<(String, MemberTag)>> {
    let text = read_value(path)?;
    let shown = path.display().to_string();
    if text.starts_with("bbs04-member-key:") {
        let key = MemberKey::decode(&text)
            .with_context(|| format!("{shown} is not a valid member key"))?;
        Ok(vec![(shown, key.tag())])
    } else if text.starts_with("bbs04-member-tag:") {
        let tag =
            MemberTag::decode(&text).with_context(|| format!("{shown} is not a valid tag"))?;
        Ok(vec![(shown, tag)])
    } else {
        parse_registry(&text).with_context(|| {
            format!("{shown} is not a member key, a member tag or a member registry")
        })
    }
}

/// Write `text` to a new file (never overwriting), mode 0600 if `secret`.
fn write_new(path: &Path, text: &str, secret: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{} exists already; choose another path", path.display())
        } else {
            anyhow::Error::new(e).context(format!("cannot create {}", path.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use clap::{Parser, Subcommand};

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn group_keygen_writes_public_and_secret_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("g");
        let group = group_keygen(&dir).unwrap();
        let gpk = read_value(&dir.join(GROUP_PUBLIC_KEY_FILE)).unwrap();
        assert_eq!(GroupPublicKey::decode(&gpk).unwrap(), group.public);
        assert_eq!(mode(&dir.join(OPENING_KEY_FILE)), 0o600);
        assert_eq!(mode(&dir.join(ISSUING_KEY_FILE)), 0o600);
        assert_eq!(mode(&dir.join(MEMBERS_FILE)), 0o600);
        assert_eq!(mode(&dir.join(GROUP_PUBLIC_KEY_FILE)), 0o644);
        // A second group never overwrites the first.
        let err = group_keygen(&dir).unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
    }

    #[test]
    fn issue_sign_verify_open_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("g");
        group_keygen(&dir).unwrap();
        let alice = group_issue(&dir, None, Some("alice")).unwrap();
        let bob_file = tmp.path().join("bob.key");
        let bob = group_issue(&dir, Some(&bob_file), Some("bob")).unwrap();
        assert_eq!((alice.index, bob.index), (1, 2));
        assert_eq!(alice.key_file, dir.join("members/1.key"));
        assert_eq!(mode(&alice.key_file), 0o600);
        assert_eq!(mode(&bob_file), 0o600);
        assert!(
            group_issue(&dir, None, Some("bob")).is_err(),
            "names are unique"
        );

        let gpk = dir.join(GROUP_PUBLIC_KEY_FILE);
        let sig = group_sign(&gpk, &bob_file, "hello").unwrap();
        assert!(sig.starts_with("bbs04-sig:1:"));
        assert!(group_verify(&gpk, "hello", &sig).unwrap());
        assert!(!group_verify(&gpk, "hullo", &sig).unwrap());
        // The precompile's own function agrees.
        assert_eq!(
            weft_sig_schemes::group_sig_verify(
                &sig,
                "hello",
                &read_value(&gpk).unwrap(),
                bbs04::PARAM_INFO
            ),
            Ok(true)
        );

        let opened = group_open(&dir, "hello", &sig, &[]).unwrap();
        assert_eq!(opened.tag, bob.tag);
        assert_eq!(opened.member.as_deref(), Some("bob"));
        // Looked up among given files instead: alice's key only, then bob's key too.
        let opened =
            group_open(&dir, "hello", &sig, std::slice::from_ref(&alice.key_file)).unwrap();
        assert_eq!(opened.member, None);
        let opened = group_open(&dir, "hello", &sig, &[alice.key_file, bob_file.clone()]).unwrap();
        assert_eq!(opened.member, Some(bob_file.display().to_string()));
        // A signature in a file works too; the wrong message cannot be opened.
        let sig_file = tmp.path().join("sig.txt");
        std::fs::write(&sig_file, format!("{sig}\n")).unwrap();
        assert!(group_verify(&gpk, "hello", sig_file.to_str().unwrap()).unwrap());
        assert!(group_open(&dir, "hullo", &sig, &[]).is_err());
    }

    #[test]
    fn a_key_from_another_group_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (g1, g2) = (tmp.path().join("g1"), tmp.path().join("g2"));
        group_keygen(&g1).unwrap();
        group_keygen(&g2).unwrap();
        let member = group_issue(&g2, None, None).unwrap();
        assert_eq!(member.name, "member-1");
        let err = group_sign(&g1.join(GROUP_PUBLIC_KEY_FILE), &member.key_file, "m").unwrap_err();
        assert!(err.to_string().contains("was not issued"), "{err}");
        // Signed in g2, checked against g1: well formed, not valid.
        let sig = group_sign(&g2.join(GROUP_PUBLIC_KEY_FILE), &member.key_file, "m").unwrap();
        assert!(!group_verify(&g1.join(GROUP_PUBLIC_KEY_FILE), "m", &sig).unwrap());
    }

    #[test]
    fn ring_keygen_sign_verify_and_link() {
        let tmp = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..4).map(|i| tmp.path().join(format!("k{i}"))).collect();
        let publics: Vec<RingPublicKey> = paths.iter().map(|p| ring_keygen(p).unwrap()).collect();
        assert_eq!(mode(&paths[0]), 0o600);
        assert!(ring_keygen(&paths[0]).is_err(), "never overwrites");
        let pubs: Vec<String> = paths
            .iter()
            .map(|p| public_key_path(p).display().to_string())
            .collect();
        let ring = ring_assemble(&pubs).unwrap();
        assert_eq!(ring.keys(), &publics[..]);
        // The same ring from its encoding, from a literal key list, or mixed.
        let ring_file = tmp.path().join("ring");
        std::fs::write(&ring_file, ring.encode()).unwrap();
        assert_eq!(
            ring_assemble(&[ring_file.display().to_string()]).unwrap(),
            ring
        );
        let literal: Vec<String> = publics.iter().map(RingPublicKey::encode).collect();
        assert_eq!(ring_assemble(&literal).unwrap(), ring);
        assert!(ring_assemble(&[literal[0].clone(), literal[0].clone()]).is_err());

        let s1 = ring_sign(&ring, &paths[2], "vote yes").unwrap().encode();
        let s2 = ring_sign(&ring, &paths[2], "vote no").unwrap().encode();
        let s3 = ring_sign(&ring, &paths[1], "vote yes").unwrap().encode();
        assert!(ring_verify(&ring, "vote yes", &s1).unwrap());
        assert!(!ring_verify(&ring, "vote no", &s1).unwrap());
        assert_eq!(
            weft_sig_schemes::ring_sig_verify(&s2, "vote no", &ring.encode()),
            Ok(true)
        );
        assert!(ring_linked(&s1, &s2).unwrap());
        assert!(!ring_linked(&s1, &s3).unwrap());

        // A key outside the ring cannot sign for it.
        let outsider = tmp.path().join("outsider");
        ring_keygen(&outsider).unwrap();
        let err = ring_sign(&ring, &outsider, "m").unwrap_err();
        assert!(err.to_string().contains("not in the ring"), "{err}");
    }

    #[test]
    fn commands_parse_as_the_coordinator_wires_them() {
        #[derive(Parser)]
        struct Cli {
            #[command(subcommand)]
            command: Command,
        }
        #[derive(Subcommand)]
        enum Command {
            GroupSig(GroupSigArgs),
            RingSig(RingSigArgs),
        }
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|c| c.command);
        assert!(matches!(
            parse(&["weft", "group-sig", "keygen", "--out", "g"]),
            Ok(Command::GroupSig(GroupSigArgs {
                command: GroupSigCommand::Keygen { .. }
            }))
        ));
        assert!(matches!(
            parse(&[
                "weft", "group-sig", "open", "--group", "g", "--message", "m", "--signature",
                "s", "--members", "a", "b"
            ]),
            Ok(Command::GroupSig(GroupSigArgs {
                command: GroupSigCommand::Open { members, .. }
            })) if members.len() == 2
        ));
        assert!(matches!(
            parse(&[
                "weft", "ring-sig", "sign", "--ring", "a.pub", "b.pub", "--secret", "a",
                "--message", "m"
            ]),
            Ok(Command::RingSig(RingSigArgs {
                command: RingSigCommand::Sign { ring, .. }
            })) if ring.len() == 2
        ));
        assert!(matches!(
            parse(&["weft", "ring-sig", "linked", "s1", "s2"]),
            Ok(Command::RingSig(RingSigArgs {
                command: RingSigCommand::Linked { .. }
            }))
        ));
        assert!(
            parse(&["weft", "ring-sig", "ring"]).is_err(),
            "a ring needs keys"
        );
    }

    #[test]
    fn run_goes_through_the_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("g");
        GroupSigCommand::Keygen { out: dir.clone() }.run().unwrap();
        GroupSigCommand::Issue {
            group: dir.clone(),
            out: None,
            name: None,
        }
        .run()
        .unwrap();
        let sig = group_sign(
            &dir.join(GROUP_PUBLIC_KEY_FILE),
            &dir.join("members/1.key"),
            "m",
        )
        .unwrap();
        GroupSigCommand::Verify {
            gpk: dir.join(GROUP_PUBLIC_KEY_FILE),
            message: "m".into(),
            signature: sig.clone(),
        }
        .run()
        .unwrap();
        let err = GroupSigCommand::Verify {
            gpk: dir.join(GROUP_PUBLIC_KEY_FILE),
            message: "other".into(),
            signature: sig,
        }
        .run()
        .unwrap_err();
        assert!(err.to_string().contains("does not verify"), "{err}");
        let key = tmp.path().join("r");
        RingSigCommand::Keygen { out: key.clone() }.run().unwrap();
        RingSigCommand::Ring {
            keys: vec![public_key_path(&key).display().to_string()],
            out: Some(tmp.path().join("ring")),
        }
        .run()
        .unwrap();
        assert!(read_value(&tmp.path().join("ring"))
            .unwrap()
            .starts_with("lsag-ring:1:"));
    }
}
