//! The moves service's permissions per global role, in one table.
use platform_gateway::Permissions;
use platform_identity::Role;

/// What a caller may do with bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovePermission {
    /// Book moves for one's own movers, read, confirm and cancel them.
    ManageOwn,
    /// Book for any mover; read, confirm and cancel any booking.
    ManageAll,
    /// Read every booking in full.
    ReadAll,
    /// Read every booking without contact data.
    ReadRedacted,
    /// Set the crew capacity of a date.
    SetCapacity,
}

use MovePermission::*;

/// Global role → moves permissions.
pub static PERMISSIONS: Permissions<MovePermission> = Permissions {
    grants: &[
        (Role::System, &[ManageOwn, ManageAll, ReadAll, SetCapacity]),
        (Role::UserMover, &[ManageOwn]),
        (Role::UserClient, &[ReadAll]),
        (Role::UserBusiness, &[ReadRedacted]),
    ],
};
