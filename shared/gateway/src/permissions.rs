//! A service's permission table: each global role maps to the service's own
//! permissions, in one place, and every route checks it.
use std::fmt::Debug;

use platform_identity::{Caller, Role};

use crate::error::ApiError;

/// Global role → the service's permissions.
pub struct Permissions<P: 'static> {
    /// The grants, one row per role (a role without a row has no permission).
    pub grants: &'static [(Role, &'static [P])],
}

impl<P: PartialEq + Debug + Copy> Permissions<P> {
    /// Whether any of `roles` grants `permission`.
    pub fn allows(&self, roles: &[Role], permission: P) -> bool {
        self.grants.iter().any(|(role, granted)| roles.contains(role) && granted.contains(&permission))
    }

    /// 403 unless the caller may do `permission`.
    pub fn require(&self, caller: &Caller, permission: P) -> Result<(), ApiError> {
        if self.allows(&caller.roles, permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("your roles do not allow {permission:?}")))
        }
    }
}
