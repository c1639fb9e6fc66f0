//! Registering a service's handlers over one shared state: each handler gets its
//! own clone of the state, so a service writes its routes as methods or functions
//! of that state instead of cloning it by hand for every closure.
use std::future::Future;

use platform_messages::{Contract, Envelope};

use super::acting::Accepts;
use super::batch::Consumer;
use super::handler::HandlerResult;
use platform::bus::Origin;

/// A consumer being given its routes, each over a clone of `state`.
pub struct Routes<S> {
    consumer: Consumer,
    state: S,
}

impl Consumer {
    /// Starts registering handlers that share `state` (see [`Routes::on`]).
    pub fn with_state<S: Clone + Send + Sync + 'static>(self, state: S) -> Routes<S> {
        Routes { consumer: self, state }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// Registers the handler of contract `C` (see [`Consumer::on`]); it is called
    /// with a clone of the state, the typed message and its [`Origin`].
    pub fn on<C, F, Fut>(mut self, accepts: Accepts, handler: F) -> Self
    where
        C: Contract,
        F: Fn(S, Envelope<C::Data>, Origin) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        let state = self.state.clone();
        self.consumer =
            self.consumer.on::<C, _, _>(accepts, move |message, origin| handler(state.clone(), message, origin));
        self
    }

    /// The consumer with every route registered.
    pub fn build(self) -> Consumer {
        self.consumer
    }
}
