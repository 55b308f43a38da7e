//! The link-time registry must hold exactly the backends enabled by features: a backend that
//! silently fails to link turns this red.

#[test]
fn registered_backends_equal_enabled_features() {
    let registry = regionkit::registry().expect("no duplicate backends");
    let mut registered: Vec<&str> = registry.ids().collect();
    let mut enabled = regionkit::ENABLED.to_vec();
    registered.sort_unstable();
    enabled.sort_unstable();
    assert_eq!(registered, enabled);
}

#[test]
fn explicit_registration_matches_link_time_collection() {
    let explicit =
        regionkit::Registry::from_descriptors(regionkit::descriptors()).expect("no duplicates");
    let linked = regionkit::registry().expect("no duplicates");
    assert_eq!(
        explicit.ids().collect::<Vec<_>>(),
        linked.ids().collect::<Vec<_>>()
    );
}
