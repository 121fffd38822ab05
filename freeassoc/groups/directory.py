"""The networks that "The future of mental health services: the organising challenge ahead"
(Elizabeth Cotton, Soundings) names, as the directory's first entries.

Descriptions are our own one-line summaries. On purpose there are no addresses, telephone
numbers or web sites here: we list only what we can stand behind, and an organisation that
wants its contact details shown can ask to be listed and give them itself.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    short_name: str
    slug: str
    kind: str
    description: str


ESSAY_NETWORKS: tuple[Entry, ...] = (
    # "The most radical challenge to the current mental health system has not come from workers
    # or their collective institutions, but rather from disability and mental health networks"
    Entry(
        "Disabled People Against Cuts",
        "DPAC",
        "dpac",
        "service_user",
        "Disabled people campaigning together against cuts to benefits and services, and "
        "against the welfare assessments that push people off them.",
    ),
    Entry(
        "National Survivor User Network",
        "NSUN",
        "nsun",
        "service_user",
        "A national network of people with lived experience of mental distress and the "
        "user-led groups they run, working for change led by service users.",
    ),
    Entry(
        "Recovery in the Bin",
        "",
        "recovery-in-the-bin",
        "service_user",
        "A user-led collective of survivors and service users who criticise how the idea of "
        "“recovery” is used to cut services and pressure people in distress.",
    ),
    Entry(
        "Mental Health Resistance Network",
        "MHRN",
        "mental-health-resistance-network",
        "service_user",
        "Mental-health service users resisting welfare reforms that tie benefits and therapy "
        "to getting people into work.",
    ),
    Entry(
        "Mental Wealth Alliance",
        "",
        "mental-wealth-alliance",
        "service_user",
        "An alliance of service users, practitioners and campaigners questioning the use of "
        "psychological therapy in employment and welfare policy.",
    ),
    # "Unison, Unite and the RCN, with the addition of a new small union, the Psychotherapy and
    # Counselling Union"
    Entry(
        "Unison",
        "",
        "unison",
        "union",
        "The UK's largest public-service union, with many members in NHS and community "
        "mental-health services.",
    ),
    Entry(
        "Unite",
        "",
        "unite",
        "union",
        "A general union organising across sectors, including health-service and "
        "mental-health workers.",
    ),
    Entry(
        "Royal College of Nursing",
        "RCN",
        "rcn",
        "union",
        "The trade union and professional body for nurses, mental-health nurses among them.",
    ),
    Entry(
        "Psychotherapy and Counselling Union",
        "PCU",
        "psychotherapy-and-counselling-union",
        "union",
        "A new, small trade union for psychotherapists and counsellors, employed, "
        "self-employed or unwaged, inside and outside the NHS.",
    ),
    # "There is an important and growing constituency of self-organised groups of
    # professionals emerging"
    Entry(
        "Counsellors Together UK",
        "",
        "counsellors-together-uk",
        "workers_group",
        "Counsellors and psychotherapists organising themselves against unpaid work and for "
        "fairly paid jobs in therapy.",
    ),
    Entry(
        "Alliance for Counselling and Psychotherapy",
        "",
        "alliance-for-counselling-and-psychotherapy",
        "workers_group",
        "Practitioners defending the variety of relational therapies against standardisation "
        "and a narrow, target-driven idea of evidence.",
    ),
    Entry(
        "Psychotherapists and Counsellors for Social Responsibility",
        "PCSR",
        "pcsr",
        "workers_group",
        "Therapists who bring a social and political understanding to their work and campaign "
        "on the social causes of distress.",
    ),
    Entry(
        "Free Psychotherapy Network",
        "",
        "free-psychotherapy-network",
        "workers_group",
        "Therapists offering free or low-cost therapy to people who cannot afford it, and "
        "arguing for therapy that everyone can reach.",
    ),
    Entry(
        "Critical Mental Health Nurses Network",
        "",
        "critical-mental-health-nurses-network",
        "workers_group",
        "Mental-health nurses questioning dominant ideas and practices in their field and "
        "working out alternatives together.",
    ),
    Entry(
        "Social Work Action Network",
        "SWAN",
        "swan",
        "workers_group",
        "Social workers, students, service users and carers organising for social work that "
        "stands against austerity and for social justice.",
    ),
    # "There are also some campaigning networks"
    Entry(
        "Health Campaigns Together",
        "",
        "health-campaigns-together",
        "campaign",
        "An umbrella that links campaigns defending the NHS, local and national, with the "
        "unions that support them.",
    ),
    Entry(
        "Action for Care-worker Wellbeing",
        "",
        "action-for-care-worker-wellbeing",
        "campaign",
        "A campaign on workforce issues in health and social care: the conditions, pay and "
        "wellbeing of the people who give care.",
    ),
    # The professional bodies the essay discusses: "some bodies, such as the UK Council for
    # Psychotherapy and British Association for Counselling and Psychotherapy, are attempting
    # to develop policies around unwaged work".
    Entry(
        "UK Council for Psychotherapy",
        "UKCP",
        "ukcp",
        "professional",
        "A professional and registering body for psychotherapists and psychotherapeutic "
        "counsellors.",
    ),
    Entry(
        "British Association for Counselling and Psychotherapy",
        "BACP",
        "bacp",
        "professional",
        "A professional membership body for counsellors and psychotherapists, with a register "
        "of its members.",
    ),
)
