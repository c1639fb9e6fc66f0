//! The movers service's permissions per global role, in one table.
use platform_gateway::Permissions;
use platform_identity::Role;

/// What a caller may do with movers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoverPermission {
    /// Create a mover owned by oneself.
    CreateOwn,
    /// Read and change one's own movers.
    ManageOwn,
    /// Read every mover in full.
    ReadAll,
    /// Read every mover with email and phone redacted.
    ReadRedacted,
    /// Change any mover.
    UpdateAll,
}

use MoverPermission::*;

/// Global role → movers permissions.
pub static PERMISSIONS: Permissions<MoverPermission> = Permissions {
    grants: &[
        (Role::System, &[CreateOwn, ManageOwn, ReadAll, UpdateAll]),
        (Role::UserMover, &[CreateOwn, ManageOwn]),
        (Role::UserClient, &[ReadAll]),
        (Role::UserBusiness, &[ReadRedacted]),
    ],
};
