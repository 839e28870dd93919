//! Attacks on Amazon Bedrock: running models at the victim's expense,
//! unlocking models, removing the guardrails and logs around them, and
//! planting agents, knowledge bases and outside models.

use super::{Actor, Scene};
use crate::agents;
use crate::calls::{Call, Ctx, bedrock};
use crate::clock;
use crate::identity::Persona;
use crate::json::{Json, object};

/// The model attackers favour: capable and expensive.
const PREMIUM_MODEL: &str = "anthropic.claude-3-opus-20240229-v1:0";

/// A Bedrock resource ARN in the actor's account and region.
fn resource_arn(ctx: &Ctx<'_>, kind: &str, id: &str) -> String {
    format!(
        "arn:aws:bedrock:{}:{}:{kind}/{id}",
        ctx.region, ctx.account.id
    )
}

/// An identifier in the style of Bedrock agents and knowledge bases.
fn bedrock_id(scene: &mut Scene<'_, '_>) -> String {
    scene.dice.alphanumeric(10).to_ascii_uppercase()
}

/// The calls that unlock a third-party model for the account.
const MODEL_ACCESS: [&str; 3] = [
    "PutUseCaseForModelAccess",
    "CreateFoundationModelAgreement",
    "PutFoundationModelEntitlement",
];

fn model_access(name: &'static str) -> Call {
    let request = match name {
        "PutUseCaseForModelAccess" => object! {"formData" => "HIDDEN_DUE_TO_SECURITY_REASONS"},
        "CreateFoundationModelAgreement" => object! {
            "offerToken" => "HIDDEN_DUE_TO_SECURITY_REASONS",
            "modelId" => PREMIUM_MODEL,
        },
        _ => object! {"modelId" => PREMIUM_MODEL},
    };
    bedrock::control(name, request)
}

pub(super) fn llm_jacking(scene: &mut Scene<'_, '_>) {
    let owner = scene.leaked_key_owner();
    let source = scene.vpn_address();
    let actor = scene.with_long_term_key(owner, source, agents::ATTACKER_BOTO3);

    scene.call(&actor, bedrock::list_foundation_models);
    scene.call(&actor, |_| {
        bedrock::control(
            "GetFoundationModelAvailability",
            object! {"modelId" => PREMIUM_MODEL},
        )
    });
    scene.call(&actor, |_| {
        bedrock::control(
            "ListFoundationModelAgreementOffers",
            object! {"modelId" => PREMIUM_MODEL},
        )
    });
    for name in MODEL_ACCESS {
        scene.call(&actor, |_| model_access(name));
    }
    for _ in 0..6 {
        scene.call(&actor, |ctx| {
            bedrock::invoke(ctx, "InvokeModel", PREMIUM_MODEL)
        });
    }
}

pub(super) fn access_denied(scene: &mut Scene<'_, '_>) {
    let owner = scene.victim(|p| p.persona == Persona::OnPremisesApp).1;
    let source = scene.attacker_address();
    let actor = scene.with_long_term_key(owner, source, agents::ATTACKER_BOTO3);

    scene.call(&actor, bedrock::list_foundation_models);
    for _ in 0..6 {
        scene.denied(&actor, |ctx| {
            bedrock::invoke(ctx, "InvokeModel", PREMIUM_MODEL)
        });
    }
    for name in MODEL_ACCESS {
        scene.denied(&actor, |_| model_access(name));
    }
    scene.denied(&actor, |ctx| {
        let agent = resource_arn(ctx, "agent-alias", "PRODSUPPORT/LIVE");
        bedrock::control("PutResourcePolicy", object! {
            "resourceArn" => agent,
            "resourcePolicy" => "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"bedrock:InvokeAgent\",\"Resource\":\"*\"}]}",
        })
    });
}

/// A stolen session of an operator, from an attacker's address.
fn stolen_operator_session<'a>(scene: &mut Scene<'a, '_>) -> Actor<'a> {
    let (number, operator) = scene.victim(|p| p.persona == Persona::Operator);
    let session = scene.session_of(number, operator);
    let source = scene.attacker_address();
    scene.with_session(operator, &session, source, agents::ATTACKER_CLI, false)
}

pub(super) fn defense_evasion(scene: &mut Scene<'_, '_>) {
    let actor = stolen_operator_session(scene);
    let guardrail = actor.account.guardrail.clone();
    let other_guardrail = scene.dice.hex(12);
    let policy = scene.dice.hex(12);

    scene.call(&actor, |_| {
        bedrock::control("GetModelInvocationLoggingConfiguration", Json::Null)
    });
    scene.call(&actor, |_| {
        bedrock::control("DeleteModelInvocationLoggingConfiguration", Json::Null)
    });
    scene.call(&actor, |_| {
        bedrock::control("ListGuardrails", object! {"maxResults" => 20i64})
    });
    scene.call(&actor, |_| {
        bedrock::control(
            "GetGuardrail",
            object! {
                "guardrailIdentifier" => guardrail.as_str(),
                "guardrailVersion" => "DRAFT",
            },
        )
    });
    scene.call(&actor, |ctx| {
        let arn = resource_arn(ctx, "guardrail", &guardrail);
        bedrock::control(
            "UpdateGuardrail",
            object! {
                "guardrailIdentifier" => guardrail.as_str(),
                "name" => "customer-support",
                "blockedInputMessaging" => "HIDDEN_DUE_TO_SECURITY_REASONS",
                "blockedOutputsMessaging" => "HIDDEN_DUE_TO_SECURITY_REASONS",
                "contentPolicyConfig" => object! {"filtersConfig" => vec![object! {
                    "type" => "PROMPT_ATTACK",
                    "inputStrength" => "NONE",
                    "outputStrength" => "NONE",
                }]},
            },
        )
        .response(object! {
            "guardrailId" => guardrail.as_str(),
            "guardrailArn" => arn,
            "version" => "DRAFT",
            "updatedAt" => clock::iso(ctx.at),
        })
    });
    scene.call(&actor, |_| {
        bedrock::control(
            "CreateGuardrailVersion",
            object! {
                "guardrailIdentifier" => guardrail.as_str(),
                "description" => "tuning",
            },
        )
        .response(object! {"guardrailId" => guardrail.as_str(), "version" => "4"})
    });
    scene.call(&actor, |_| {
        bedrock::control(
            "DeleteGuardrail",
            object! {"guardrailIdentifier" => other_guardrail},
        )
    });
    scene.call(&actor, |ctx| {
        let arn = resource_arn(ctx, "automated-reasoning-policy", &policy);
        bedrock::control(
            "DeleteAutomatedReasoningPolicy",
            object! {"policyArn" => arn},
        )
    });
}

pub(super) fn agent_backdoor(scene: &mut Scene<'_, '_>) {
    let owner = scene.victim(|p| p.persona == Persona::Developer).1;
    let source = scene.attacker_address();
    let actor = scene.with_long_term_key(owner, source, agents::ATTACKER_BOTO3);
    let agent = bedrock_id(scene);
    let knowledge_base = bedrock_id(scene);
    let data_source = bedrock_id(scene);
    let outside_bucket = format!("arn:aws:s3:::kb-sync-{}", scene.dice.hex(8));
    let draft = |extra: Vec<(&'static str, Json)>| {
        let mut request = vec![
            ("agentId", Json::from(agent.as_str())),
            ("agentVersion", Json::from("DRAFT")),
        ];
        request.extend(extra);
        Json::Object(request)
    };

    scene.call(&actor, |ctx| {
        let role = format!(
            "arn:aws:iam::{}:role/service-role/AmazonBedrockExecutionRoleForAgents_{}",
            ctx.account.id,
            ctx.dice.upper_hex(10)
        );
        let arn = resource_arn(ctx, "agent", &agent);
        bedrock::agents(
            ctx,
            "CreateAgent",
            object! {
                "agentName" => "support-triage-helper",
                "foundationModel" => bedrock::MODELS[0],
                "agentResourceRoleArn" => role,
                "instruction" => "HIDDEN_DUE_TO_SECURITY_REASONS",
                "idleSessionTTLInSeconds" => 600i64,
            },
        )
        .response(object! {"agent" => object! {
            "agentId" => agent.as_str(),
            "agentName" => "support-triage-helper",
            "agentArn" => arn,
            "agentStatus" => "CREATING",
            "agentVersion" => "DRAFT",
        }})
    });
    scene.call(&actor, |ctx| {
        let function = format!(
            "arn:aws:lambda:{}:{}:function:ticket-tools-{}",
            ctx.region,
            ctx.account.id,
            ctx.dice.hex(6)
        );
        bedrock::agents(
            ctx,
            "CreateAgentActionGroup",
            draft(vec![
                ("actionGroupName", "ticket-tools".into()),
                ("actionGroupExecutor", object! {"lambda" => function}),
            ]),
        )
    });
    scene.call(&actor, |ctx| {
        bedrock::agents(
            ctx,
            "AssociateAgentKnowledgeBase",
            draft(vec![
                ("knowledgeBaseId", knowledge_base.as_str().into()),
                ("description", "Product documentation".into()),
                ("knowledgeBaseState", "ENABLED".into()),
            ]),
        )
    });
    scene.call(&actor, |ctx| {
        bedrock::agents(
            ctx,
            "CreateDataSource",
            object! {
                "knowledgeBaseId" => knowledge_base.as_str(),
                "name" => "vendor-docs",
                "dataSourceConfiguration" => object! {
                    "type" => "S3",
                    "s3Configuration" => object! {"bucketArn" => outside_bucket.as_str()},
                },
            },
        )
        .response(object! {"dataSource" => object! {
            "dataSourceId" => data_source.as_str(),
            "knowledgeBaseId" => knowledge_base.as_str(),
            "status" => "AVAILABLE",
        }})
    });
    scene.call(&actor, |ctx| {
        bedrock::agents(
            ctx,
            "StartIngestionJob",
            object! {
                "knowledgeBaseId" => knowledge_base.as_str(),
                "dataSourceId" => data_source.as_str(),
            },
        )
    });
    scene.call(&actor, |ctx| {
        bedrock::agents(ctx, "PrepareAgent", object! {"agentId" => agent.as_str()})
    });
    scene.call(&actor, |ctx| {
        bedrock::agents(
            ctx,
            "CreateAgentAlias",
            object! {
                "agentId" => agent.as_str(),
                "agentAliasName" => "live",
            },
        )
    });
}

pub(super) fn resource_abuse(scene: &mut Scene<'_, '_>) {
    let (number, scientist) = scene.victim(|p| p.persona == Persona::DataScientist);
    let session = scene.session_of(number, scientist);
    let source = scene.attacker_address();
    let actor = scene.with_session(scientist, &session, source, agents::ATTACKER_BOTO3, false);
    let outsider = scene.dice.digits(12);
    let model = bedrock_id(scene);

    scene.call(&actor, |ctx| {
        let arn = resource_arn(ctx, "custom-model", &model);
        let policy = format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"arn:aws:iam::{outsider}:root\"}},\"Action\":\"bedrock:*\",\"Resource\":\"{arn}\"}}]}}"
        );
        bedrock::control("PutResourcePolicy", object! {"resourceArn" => arn.as_str(), "resourcePolicy" => policy})
    });
    scene.call(&actor, |ctx| {
        let role = format!("arn:aws:iam::{}:role/bedrock-model-import", ctx.account.id);
        let id = ctx.dice.hex(12);
        let job = resource_arn(ctx, "model-import-job", &id);
        bedrock::control(
            "CreateModelImportJob",
            object! {
                "jobName" => "import-llama-finetune",
                "importedModelName" => "llama-finetune-v2",
                "roleArn" => role,
                "modelDataSource" => object! {"s3DataSource" => object! {
                    "s3Uri" => format!("s3://model-drop-{outsider}/weights/"),
                }},
            },
        )
        .response(object! {"jobArn" => job})
    });
    scene.call(&actor, |ctx| {
        let id = ctx.dice.hex(12);
        let arn = resource_arn(ctx, "provisioned-model", &id);
        bedrock::control(
            "CreateProvisionedModelThroughput",
            object! {
                "modelUnits" => 2i64,
                "provisionedModelName" => "batch-capacity",
                "modelId" => PREMIUM_MODEL,
                "commitmentDuration" => "SixMonths",
            },
        )
        .response(object! {"provisionedModelArn" => arn})
    });
}

/// Calls in a flood: more than the five hundred an hour the probing rule
/// looks for.
const FLOOD_CALLS: usize = 520;

pub(super) fn inference_flood(scene: &mut Scene<'_, '_>) {
    let (number, function) = scene.victim(|p| p.persona == Persona::AssistantFunction);
    let session = scene.session_of(number, function);
    let source = scene.attacker_address();
    let actor = scene.with_session(function, &session, source, agents::ATTACKER_BOTO3, false);
    let model = bedrock::MODELS[0];

    for _ in 0..FLOOD_CALLS {
        scene.wait_ms(1_000, 6_000);
        scene.call_now(&actor, |ctx| bedrock::invoke(ctx, "InvokeModel", model));
    }
}
