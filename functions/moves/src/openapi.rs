//! The moves gateway as OpenAPI describes it: every route of [`crate::rest::router`],
//! with its bodies' types and every answer it can give (see
//! [`platform_gateway::openapi`]).
use platform_gateway::openapi::Operation;
use serde_json::json;

use crate::booking::{BookingRequest, BookingView};
use crate::rest::{Accepted, CapacityInput, CapacityView, Quote, QuoteQuery, Resumed};

/// The operations of the moves gateway.
pub fn operations() -> Vec<Operation> {
    let booking = "The booking (its contact and card redacted for roles that may only read them so).";
    vec![
        Operation::post("/moves", "Book a move")
            .describe(
                "Starts the booking saga: crew reserved, both addresses verified, the deposit charged, \
                       then it waits for `POST /moves/{id}/confirm`. A business failure cancels the booking \
                       with its compensations. Answered at once; read the booking to follow it.",
            )
            .idempotency_key(true)
            .body::<BookingRequest>(json!({"mover_id": "mov_0123456789abcdef0123456789abcdef",
                "move_date": "2031-05-02", "crew_size": 2, "deposit": {"card_token": "tok_visa"}}))
            .answers::<Accepted>(202, "Accepted; `Location` names the booking.")
            .errors(&[403, 404]),
        Operation::get("/moves/quote", "Quote a deposit")
            .query::<QuoteQuery>()
            .answers::<Quote>(200, "The deposit `POST /moves` will charge.")
            .errors(&[403]),
        Operation::get("/moves/capacity/{date}", "Read a date's crew capacity")
            .answers::<CapacityView>(200, "The date's capacity and reservations.")
            .errors(&[400, 403]),
        Operation::put("/moves/capacity/{date}", "Set a date's crew capacity")
            .body::<CapacityInput>(json!({"crew_capacity": 12}))
            .answers::<CapacityView>(200, "The date's capacity and reservations.")
            .errors(&[403]),
        Operation::get("/moves/{id}", "Read a booking").answers::<BookingView>(200, booking).errors(&[404]),
        Operation::post("/moves/{id}/confirm", "Confirm a booking")
            .describe("The customer's yes: the waiting saga books the move.")
            .answers::<Resumed>(202, "The saga has the answer and moves on by itself.")
            .errors(&[404, 409]),
        Operation::post("/moves/{id}/cancel", "Cancel a booking")
            .describe("The customer's no: the waiting saga refunds, releases the crew and cancels.")
            .answers::<Resumed>(202, "The saga has the answer and moves on by itself.")
            .errors(&[404, 409]),
    ]
}
