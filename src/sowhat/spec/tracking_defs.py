"""`tracking-plan.yaml`: which events the product sends, with which properties and types.

The plan is the contract between whoever instruments the product and whoever defines metrics:
`sowhat tracking check` compares it (and the metrics that rely on it) with the events that
actually arrived, so a silently broken instrumentation shows up before a KR reads zero.

    common_properties:            # on every event (e.g. the account's plan)
      plan: {type: string, required: true}
    events:
      signup:
        description: A user creates their login
        properties:
          source: {type: string}
          score: {type: integer, required: true}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PropertyType = Literal["string", "number", "integer", "boolean", "timestamp"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PropertySpec(_Model):
    type: PropertyType = "string"
    required: bool = False
    description: str | None = None


class EventSpec(_Model):
    description: str | None = None
    properties: dict[str, PropertySpec] = Field(default_factory=dict)


class TrackingPlan(_Model):
    common_properties: dict[str, PropertySpec] = Field(default_factory=dict)
    events: dict[str, EventSpec] = Field(default_factory=dict)

    def properties_of(self, event: str) -> dict[str, PropertySpec]:
        """Every property the plan expects on `event`, common ones included."""
        spec = self.events.get(event)
        return {**self.common_properties, **(spec.properties if spec else {})}
