//! Shared set-up for the workspace-level end-to-end tests.
