"""One outbound-request policy for every LabelHive process (standard library only)."""

from labelhive_outbound.policy import OutboundPolicy, OutboundRefused, address_refusal
from labelhive_outbound.request import Response, check_destination, fetch

__all__ = ["OutboundPolicy", "OutboundRefused", "Response", "address_refusal", "check_destination", "fetch"]
