"""Organisation (đảng ủy cơ sở): the grassroots committee above the cells."""

from __future__ import annotations

from domain.aggregate import Aggregate, Created, create
from domain.events import Meta
from domain.ids import aggregate_id


class Organisation(Aggregate):
    TOPIC = "chibo.Organisation"
    KIND = "organisation"

    key: str
    name: str
    secretary: str
    standing_committee: list[str]
    committee: list[str]
    inspection_commission: list[str]

    class Registered(Created):
        TOPIC = "chibo.Organisation.Registered"
        key: str
        name: str
        secretary: str
        standing_committee: list[str]
        committee: list[str]
        inspection_commission: list[str]

        def create(self) -> Organisation:
            return Organisation.start(
                self,
                key=self.key,
                name=self.name,
                secretary=self.secretary,
                standing_committee=self.standing_committee,
                committee=self.committee,
                inspection_commission=self.inspection_commission,
            )

    @staticmethod
    def id_for(key: str) -> object:
        return aggregate_id("organisation", key)

    @classmethod
    def register(
        cls,
        meta: Meta,
        *,
        key: str,
        name: str,
        secretary: str,
        standing_committee: list[str],
        committee: list[str],
        inspection_commission: list[str],
    ) -> Organisation:
        org: Organisation = create(
            cls.Registered,
            aggregate_id("organisation", key),
            meta,
            key=key,
            name=name,
            secretary=secretary,
            standing_committee=sorted(set(standing_committee)),
            committee=sorted(set(committee) | set(standing_committee) | {secretary}),
            inspection_commission=sorted(set(inspection_commission)),
        )
        return org
