"""What differs between flows: which side is the source, the record key, the external reference in the
target, which references a record needs, and whether an existing target record is updated."""

from integrations.sync.flows.specs import SPECS, FlowSpec, spec_for

__all__ = ["SPECS", "FlowSpec", "spec_for"]
