//! Calls to Amazon Bedrock: model inference, the model catalogue, and
//! (in attacks) the control plane of guardrails, agents and model access.
//!
//! CloudTrail records Bedrock's runtime, control plane and agent APIs
//! under one event source, `bedrock.amazonaws.com`; the endpoint the client
//! called shows in `tlsDetails`.

use super::{BEDROCK, Call, Ctx};
use crate::json::{Json, object};

/// Foundation models applications use.
pub(crate) const MODELS: [&str; 4] = [
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "amazon.titan-embed-text-v2:0",
    "meta.llama3-1-70b-instruct-v1:0",
];

/// A call to Bedrock's control plane with `request`.
pub(crate) fn control(name: &'static str, request: Json) -> Call {
    Call::new(BEDROCK, name).request(request)
}

/// A call to a Bedrock agents API with `request`.
pub(crate) fn agents(ctx: &Ctx<'_>, name: &'static str, request: Json) -> Call {
    control(name, request).host(format!("bedrock-agent.{}.amazonaws.com", ctx.region))
}

/// An inference call (`InvokeModel`, `Converse`, ...) on `model`.
pub(crate) fn invoke(ctx: &mut Ctx<'_>, name: &'static str, model: &str) -> Call {
    let input = ctx.dice.between(40, 6_000);
    let output = ctx.dice.between(10, 1_500);
    Call::new(BEDROCK, name)
        .request(object! {"modelId" => model})
        .additional(object! {"inputTokens" => input, "outputTokens" => output})
        .host(format!("bedrock-runtime.{}.amazonaws.com", ctx.region))
}

/// An application's inference: mostly `InvokeModel` and `Converse`.
pub(crate) fn routine_inference(ctx: &mut Ctx<'_>) -> Call {
    let name = ctx.pick(&[
        "InvokeModel",
        "InvokeModel",
        "Converse",
        "Converse",
        "ConverseStream",
        "InvokeModelWithResponseStream",
    ]);
    let model = ctx.pick(&MODELS[..3]);
    invoke(ctx, name, model)
}

/// `ListFoundationModels`.
pub(crate) fn list_foundation_models(_: &mut Ctx<'_>) -> Call {
    Call::new(BEDROCK, "ListFoundationModels")
}

/// A look at the model catalogue: one model or the inference profiles.
pub(crate) fn catalogue_read(ctx: &mut Ctx<'_>) -> Call {
    if ctx.dice.chance(500) {
        let model = ctx.pick(&MODELS);
        control("GetFoundationModel", object! {"modelIdentifier" => model})
    } else {
        control("ListInferenceProfiles", object! {"maxResults" => 100i64})
    }
}
