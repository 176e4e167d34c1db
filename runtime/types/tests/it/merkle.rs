use alloy_primitives::B256;
use weft_crypto::SuiteId;
use weft_types::merkle::root;

#[test]
fn merkle_root_matches_the_rfc6962_shape() {
    let suite = SuiteId::Standard.suite();
    let leaves: Vec<B256> = (1..=3u8).map(B256::repeat_byte).collect();
    let leaf = |l: &B256| suite.hash_parts(&[&[0u8], l.as_slice()]);
    let node = |a: B256, b: B256| suite.hash_parts(&[&[1u8], a.as_slice(), b.as_slice()]);
    assert_eq!(root(suite, &[]), suite.hash(&[]));
    assert_eq!(root(suite, &leaves[..1]), leaf(&leaves[0]));
    let ab = node(leaf(&leaves[0]), leaf(&leaves[1]));
    assert_eq!(root(suite, &leaves[..2]), ab);
    assert_eq!(root(suite, &leaves), node(ab, leaf(&leaves[2])));
}

#[test]
fn merkle_root_depends_on_order_length_and_suite() {
    let suite = SuiteId::Standard.suite();
    let leaves: Vec<B256> = (1..=5u8).map(B256::repeat_byte).collect();
    let r = root(suite, &leaves);
    let mut swapped = leaves.clone();
    swapped.swap(0, 4);
    assert_ne!(root(suite, &swapped), r);
    let mut dup = leaves.clone();
    dup.push(leaves[4]);
    assert_ne!(
        root(suite, &dup),
        r,
        "duplicating the last leaf changes the root"
    );
    assert_ne!(root(SuiteId::Sm.suite(), &leaves), r);
}
