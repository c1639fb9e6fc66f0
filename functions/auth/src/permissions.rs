//! The auth service's permissions per global role, in one table.
use platform_gateway::Permissions;
use platform_identity::Role;

/// What a caller may do in the auth service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthPermission {
    /// Read one's own identity (`GET /auth/me`).
    ReadSelf,
    /// Create accounts with any role (`POST /auth/users`).
    CreateAccounts,
}

use AuthPermission::*;

/// Global role → auth permissions.
pub static PERMISSIONS: Permissions<AuthPermission> = Permissions {
    grants: &[
        (Role::System, &[ReadSelf, CreateAccounts]),
        (Role::UserMover, &[ReadSelf]),
        (Role::UserClient, &[ReadSelf]),
        (Role::UserBusiness, &[ReadSelf]),
    ],
};
