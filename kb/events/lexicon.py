"""The trigger lexicon: which words make a dated sentence an event, and of which kind.

Entries are in priority order: when several kinds are triggered next to the
same date, the earliest entry wins ("banned exports in retaliation" is a
retaliation, not a restriction; "the block took effect" is a restriction, not
a rule taking effect). Each entry carries a strength, the confidence that the
words really state that kind of action.
"""

from __future__ import annotations

import re
import re._constants as _c  # type: ignore[import-not-found]  # parsed patterns, for `required_words`
import re._parser as _parser  # type: ignore[import-not-found]
from dataclasses import dataclass

_I = re.IGNORECASE
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_RULE_NOUNS = r"(?:rules?|controls|curbs|regulations|restrictions)\b"
# A rule named by the clause of its making: "the rare-earth measures MOFCOM announced", "the controls it introduced"
_RULE_MADE = r"\b(?:measures|rules?|controls|regime|restrictions|curbs|ban)\s+"
_MAKER = r"(?:that\s+|which\s+)?(?:it|they|(?-i:[A-Z][\w.&-]*)(?:\s+(?-i:[A-Z][\w.&-]*)){0,2})\s+(?:had\s+)?"
_MADE = r"(?:announced|issued|introduced|imposed|unveiled|published|adopted)"
MADE_CLAUSE = rf"{_RULE_MADE}(?P<clause>{_MAKER}{_MADE})"  # the clause: from the maker on
_PERIOD_GONE = r"(?<!after a )(?<!after a public )(?<!following a )(?<!following a public )"
_GAP = r"(?:\s+[\w'’.,%%-]+){0,%d}?\s+"  # up to N words between two parts ("the 50% rule")


def _gap(words: int) -> str:
    return _GAP % words


# (kind, pattern, strength); English, case-insensitive unless the pattern says otherwise.
# A requirement told as starting ("the new licence requirement takes effect on April 1") is the rule taking effect
# (rule_effective), no requirement imposed that day.
_NOT_STARTING = (
    r"(?!\s+(?:(?:will|would|is to|are to)\s+)?(?:take|takes|took|taking|come|comes|came|enter|enters|entered|"
    r"kick|kicks|kicked)\s+(?:effect|into|in)\b|\s+(?:became|become|becomes)\s+effective\b)"
)
ENGLISH: list[tuple[str, str, float]] = [
    # not the rules that set the list up ("issued its Provisions on the Unreliable Entity List", "its Unreliable
    # Entity List provisions", "The Unreliable Entity List, created by MOFCOM provisions issued on ...")
    (
        "retaliation",
        r"\bretaliat\w*|\bcounter-?measures?\b"
        r"|(?<!provisions on the )\bunreliable entit(?:y|ies) list\b"
        r"(?!\s+(?:provisions|rules|regulations)\b|,?\s+(?:(?:was|which was)\s+)?(?:created|set up|established)\b)",
        0.9,
    ),
    # A legislature passing a law enacts it: "the top legislature on Saturday passed the Export Control Law".
    # "provisions, which were published and took effect on September 19": published that day too
    (
        "rule_published",
        # "which MOFCOM published and brought into force on January 9, 2021"
        r"\b(?:(?:was|were)\s+)?(?:published|issued|promulgated)"
        r"(?=\s+and\s+(?:(?:took|came into)\s+effect|brought\s+(?:it\s+|them\s+)?into\s+(?:force|effect))\b)",
        0.85,
    ),
    ("rule_effective", r"\bbr(?:ought|ings?|inging)\s+(?:it\s+|them\s+)?into\s+(?:force|effect)\b", 0.9),
    # "voted on Saturday afternoon to adopt the Export Control Law"
    (
        "rule_published",
        r"\b(?:passed|adopted|enacted|voted\s+(?:[\w'’-]+\s+){0,4}?to\s+(?:adopt|pass|approve|enact))\s+"
        r"(?:the|a|its)\s+(?:[\w'’-]+\s+){0,4}?(?:law|act)\b",
        0.85,
    ),
    # the passive, with a legislature as agent: "The Export Control Law was adopted by the Standing Committee of the
    # National People's Congress on 17 October 2020"
    (
        "rule_published",
        r"\b(?:was|were)\s+(?:formally\s+|finally\s+)?(?:adopted|passed|enacted|approved)\s+by\s+(?:the\s+)?"
        r"(?:[\w'’-]+\s+){0,4}?(?:legislature|parliament|congress|standing committee|diet|assembly|council|lawmakers)\b",
        0.85,
    ),
    # A regime's step told in a participle, as timelines and headlines do: "licensing of gallium and germanium
    # products announced", "antimony added to the controls", "the rare-earth regime extended to foreign-made products"
    (
        "rule_published",
        r"\b(?:licensing|licen[cs]e requirements?|(?:export\s+)?controls|regime)\b(?:\s+[\w'’,-]+){0,6}?\s+announced\b"
        r"|\badded to (?:the|its|China['’]s|Beijing['’]s)\s+(?:export\s+)?controls\b"
        r"|\b(?:regime|controls)\s+(?:(?:was|were)\s+)?(?:extended|expanded|widened|broadened)\s+to\b",
        0.8,
    ),
    ("rule_published", rf"{_RULE_MADE}{_MAKER}(?P<at>{_MADE})(?=\s+(?:on|in)\b)", 0.85),
    # "an extension announced last September that brought ASML's immersion scanners under Dutch licensing"
    (
        "rule_published",
        r"\bbr(?:ought|ings?|inging)\s+(?:[\w'’:.,-]+\s+){0,8}?under\s+(?:[\w-]+\s+){0,2}?"
        r"(?:licensing|licen[cs]e requirements?|export controls|controls)\b",
        0.8,
    ),
    # authorisations of a programme taken away: a rule ("will revoke the Validated End-User authorizations",
    # "will strip Samsung and SK Hynix of authorizations that let them ship tools")
    (
        "rule_published",
        r"\b(?:revok|withdraw|strip|remov|end|rescind)\w*\s+(?:[\w'’.,-]+\s+){0,8}?(?:Validated End-User|VEU)\b"
        r"|\bstrip\w*\s+(?:[\w'’.-]+\s+){1,6}?of\s+(?:their\s+|its\s+|the\s+)?(?:[\w-]+\s+)?authori[sz]ations\b",
        0.85,
    ),
    # a draft put out in the passive: "A draft of the measures was released for public comment in April"
    (
        "rule_published",
        r"\bdrafts?\b(?:\s+[\w'’-]+){0,5}?\s+(?:was|were|had been)\s+(?:released|published|issued|unveiled|put out)\b"
        r"|\bdrafts?\s+(?:had\s+|has\s+)?circulated\s+for\s+(?:public\s+)?comments?\b",
        0.8,
    ),
    # "put export controls on tungsten, tellurium and bismuth products"
    ("rule_published", r"\b(?:put|puts|placed|places|imposed|imposes)\s+(?:new\s+)?export controls\s+on\b", 0.85),
    ("retaliation", r"\bresponse to (?:the )?(?:US|U\.S\.|American|Washington|United States)\b", 0.85),
    ("retaliation", r"\b(?:hit|hits|hitting|struck|strikes|striking) back\b|\btit-for-tat\b", 0.85),
    # "China answered in early October by barring Nexperia's Chinese unit from exporting"
    (
        "retaliation",
        r"\b(?:answer(?:ed|s)?|respond(?:ed|s)?)\s+(?:[\w'’-]+\s+){0,4}?by\s+"
        r"(?:barring|banning|blocking|restricting|halting|imposing|adding|placing|putting|curbing)\b",
        0.85,
    ),
    # Buyers told to shun a foreign company's goods: "told operators of critical infrastructure to stop buying
    # Micron products"
    (
        "retaliation",
        r"\b(?:stop|cease|halt)\s+(?:buying|purchasing|procuring)\s+(?:[\w'’-]+\s+){0,3}?(?:products|chips|goods)\b",
        0.8,
    ),
    # A company failing a state security review is sanctioned by it: "Micron failed its cybersecurity review".
    ("retaliation", r"\b(?:fail|fails|failed|failing)\s+(?:a|an|its|the)\s+(?:[\w-]+\s+){0,2}?review\b", 0.8),
    # US parties put on a Chinese list: "added 28 US entities ... to its export control list", "28 entities of the
    # United States, including units of A, B and C, to its export control list".
    (
        "retaliation",
        r"(?:\b(?:US|U\.S\.|American)\s+(?:[\w-]+\s+){0,2}?(?:entities|companies|firms|contractors)\b"
        r"|\b(?:entities|companies|firms|contractors)\s+(?:of|from)\s+the\s+(?:United States|US|U\.S\.)),?"
        r"(?:\s+[\w'’,()-]+){0,12}?\s+(?:to|on)\s+(?:its|China's|the)\s+(?:export control|control) list\b"
        # "decided today to include the two US companies in the list" (China's unreliable entity list)
        r"|\binclud\w*\s+(?:the\s+)?(?:\w+\s+)?(?:US|U\.S\.|American)\s+(?:entities|companies|firms)\s+in\s+the\s+list\b",
        0.85,
    ),
    # Items put on a licensing list are the regime widened: "added tungsten and indium to its licensing list".
    (
        "rule_published",
        r"\badd\w*\b(?:\s+[\w'’,()-]+){0,12}?\s+to\s+(?:its|the|China's)\s+(?:export\s+)?licen[cs]ing list\b",
        0.85,
    ),
    # Parties put on China's own control list: "placing 16 others on its export control list".
    (
        "retaliation",
        r"\b(?:add\w*|plac\w*|put|puts)\b(?:\s+(?!and\b|list\b)[\w'’,()-]+){0,14}?\s+(?:to|on)\s+(?:its|China's|the)\s+"
        r"(?:export control|control)(?: control)? list\b",
        0.85,
    ),
    # "answered the HBM rule with an outright ban to the United States"
    (
        "retaliation",
        r"\b(?:ban|embargo)\s+(?:on\s+[\w-]+\s+)?(?:to|against)\s+(?:the\s+)?(?:US|U\.S\.|United States)\b",
        0.8,
    ),
    # A ban on exports to the United States is aimed at it: "barred shipments of gallium to the United States".
    (
        "retaliation",
        r"\b(?:ban|bans|banned|banning|bar|bars|barred|barring|prohibit\w*|tighten\w*)\s+(?:[\w'’,-]+\s+){0,8}?"
        r"(?:exports?|shipments?|shipping|selling|exporting|sales|export controls)\b,?(?:\s+[\w'’,-]+){0,8}?\s+"
        r"(?:to|bound for|destined for) "
        r"(?:the )?(?:US|U\.S\.|United States)\b",
        0.8,
    ),
    # The same ban told in the passive: "exports of gallium to the United States are in principle not permitted",
    # "dual-use items may not be exported to US military users".
    (
        "retaliation",
        r"\b(?:exports?|shipments?|sales)\b[^.;:]{0,80}?\bto (?:the )?(?:US|U\.S\.|United States)\b[^.;:]{0,40}?"
        # or told as a headline or a timeline entry: "exports of gallium ... to the United States banned in principle"
        r"\b(?:(?:are|is|were|was|will be)\s+(?:[\w-]+\s+){0,3}?)?(?:prohibited|banned|barred|not (?:be )?(?:permitted|allowed))\b"
        r"|\b(?:may|can|will) not be (?:exported|shipped|sold) to (?:the )?(?:US|U\.S\.|United States)\b",
        0.8,
    ),
    # A rule named by its day: "the October 7 rules", "Beijing's rare earth rules of October 9". Before the
    # licence requirements: "the October 7 rules, which already required licences" dates the rules.
    (
        "rule_published",
        rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:,?\s+(?:19|20)\d{{2}})?\s+(?:export\s+)?(?:{_RULE_NOUNS}|package\b|measures\b|update\b|amendments?\b)"
        rf"|\b{_RULE_NOUNS}\s+(?:of|dated)\s+(?={_MONTHS}\.?\s+\d|\d{{1,2}}\s+{_MONTHS})"
        # with the rule's own name between the day and the noun: "the January 13, 2025 AI Diffusion rule"
        rf"|\bthe\s+{_MONTHS}\.?\s+\d{{1,2}}(?:,?\s+(?:19|20)\d{{2}})?,?\s+(?-i:(?:[A-Z][\w-]*\s+){{1,3}})"
        r"(?:rules?|framework|regulations?|controls)\b",
        0.85,
    ),
    # Not a licence revoked ("partially revoked a licence to ship"): a decision on one export, no rule.
    (
        "rule_rescinded",
        r"\b(?:rescind\w*|revok\w*|repeal(?:s|ed|ing)?)\b"
        # nor authorisations of a programme revoked ("revoking the Validated End-User authorizations"): a rule
        r"(?!\s+(?:(?:a|an|the|its|their|some|several|two|three)\s+)?(?:[\w-]+\s+){0,3}?(?:licen[cs]es?|authori[sz]ations?)\b)",
        0.9,
    ),
    ("rule_rescinded", r"\b(?:not|no longer) (?:to )?enforce\b|\bpull\w* the plug on\b", 0.8),
    (
        "rule_rescinded",
        r"\b(?:scrap\w*|withdraw\w*|undo\w*|discard\w*|abandon\w*|dropp(?:ed|ing)|ditch\w*|axed)\s+(?:[\w'’-]+\s+){0,4}?(?:rule|regulation|framework)\b",
        0.85,
    ),
    ("rule_rescinded", r"\bwithdr[ae]w\w*" + _gap(4) + r"(?:rule|regulation|order|framework)\b", 0.8),
    (
        "rule_delayed",
        r"\b(?:suspend\w*|suspension|delay\w*|postpon\w*|paus\w*|froze|frozen|freez\w*),?"  # "suspending, until ..., the ban"
        + _gap(6)
        + r"(?:rules?|regulations?|requirements?|implementation|compliance|effective date|enforcement|controls|measures|ban)\b"
        # "BIS suspended it for one year starting November 10", "would pause for a year the rare-earth measures"
        r"|\b(?:suspend|paus)(?:e|es|ed|ing|s)?\s+(?:it\s+|them\s+)?for\s+(?:a|one|two|six|\d+)\s+(?:years?|months?)\b",
        0.85,
    ),
    (
        "rule_delayed",
        r"\b(?:rules?|regulations?)" + _gap(3) + r"(?:was|were|is|are|has been|have been) "
        r"(?:suspended|delayed|postponed|paused)\b",
        0.85,
    ),
    # not a period gone by, told without its end ("finalized them in May after a public comment period")
    (
        "comment_deadline",
        rf"{_PERIOD_GONE}\bcomments?\b(?:\s+[\w'’.,-]+){{0,8}}?\s+(?:are |is |were )?(?:now )?"
        r"(?:due|deadline|close[sd]?|period|must be (?:received|submitted|filed))\b",
        0.9,
    ),
    (
        "comment_deadline",
        rf"\b(?:deadline|period) for (?:public |written )?comments?\b|{_PERIOD_GONE}\bcomment (?:period|deadline)\b",
        0.9,
    ),
    ("rule_published", r"\bfinali[sz]ed\s+(?:them|it)\b", 0.85),  # "published a draft in March and finalized it in May"
    (
        "comment_deadline",
        r"\blast day (?:for|to submit) (?:public )?comments?\b|\bask(?:s|ed)? for (?:public )?comments\b",
        0.85,
    ),
    (
        "comment_deadline",
        r"\bcomments? (?:until|through|by)\b|\bcomments? must be (?:received|submitted|filed)\b",
        0.85,
    ),
    (
        "comment_deadline",
        r"\b(?:takes?|accept\w*|invit\w*|seek\w*)\s+(?:public\s+)?comments\b|\bcomments?\s+(?:will be|are|is)\s+accepted\b"
        # "comments may be submitted until", "with comments accepted until"
        r"|\bcomments?\s+(?:(?:may|can|must|should)\s+be\s+)?(?:submitted|filed|sent|accepted)\s+(?:until|through|by)\b",
        0.85,
    ),
    ("compliance_date", r"\b(?:to|must|will have to|required to|need to) comply\b", 0.85),
    ("compliance_date", r"\bneed not comply\b|\b(?:do|does|did) not (?:have|need) to comply\b", 0.85),
    (
        "compliance_date",
        r"\bcompliance\b(?:\s+[\w'’.,-]+){0,8}?\s+(?:is |was |are |were )?(?:deferred|delayed|postponed|pushed back)\b",
        0.85,
    ),
    ("compliance_date", r"\bcompliance (?:date|dates|deadline|deadlines|is required|required)\b", 0.9),
    ("compliance_date", r"\bcompliance (?:is |was )?not (?:required|due|expected)\b", 0.9),
    # "with compliance for certain provisions required by December 31"
    ("compliance_date", r"\bcompliance\s+(?:for|with)\s+(?:[\w'’-]+\s+){0,4}?(?:is\s+|are\s+)?required\b", 0.85),
    ("compliance_date", r"\bcompliance (?:is |was )?(?:set|due|begins|starts)\b", 0.8),
    ("compliance_date", r"\bcompliance with\b(?:\s+[\w'’.,-]+){0,12}?\s+(?:is |was )?(?:not )?(?:required|due)\b", 0.9),
    # "due diligence, audit and reporting duties tied to compliance programs begin on October 6"
    (
        "compliance_date",
        r"\b(?:obligations|duties)\b(?:\s+[\w'’-]+){0,6}?\s+(?:bite|apply|start\w*|begin\w*)\b",
        0.8,
    ),
    ("compliance_date", r"\b(?:requirements?|obligations?) must be met\b", 0.85),
    # a timeline entry of a law's parts applying in stages: "- 2 February 2025: the bans on prohibited AI practices
    # and the AI literacy duty apply."
    (
        "rule_effective",
        rf"^[\s\-•*]*(?:\d{{1,2}}\s+{_MONTHS}\.?|{_MONTHS}\.?\s+\d{{1,2}},?)\s+(?:19|20)\d{{2}}:\s+"
        r"(?:[\w'’,-]+\s+){0,14}?(?P<at>apply|applies)\b",
        0.85,
    ),
    (
        "entity_listed",
        r"\b(?:add\w*|plac\w*|put|puts|listed|listing|designat\w*|includ\w*)\b"
        r"(?:\s+[\w'’.,()-]+){0,25}?\s+(?:to|on|onto)\s+(?:the\s+|its\s+)?(?:own\s+)?"
        # "on the Commerce Department's Entity List", "to Washington's Entity List"
        r"(?:(?:[A-Z][\w.-]*\s+){0,2}[A-Z][\w.-]*['’]s\s+)?(?:export[- ]control\s+)?"
        r"(?:U\.S\.\s+|US\s+)?(?:(?:Entity|Unverified|Military End[- ]User|MEU) List\b|实体清单)",
        0.95,
    ),
    ("entity_listed", r"\bEntity List (?:additions?|designations?)\b", 0.75),  # a noun: not another act
    # "the addition of Huawei Technologies to the same list in May"
    (
        "entity_listed",
        r"\baddition\s+of\b(?:\s+[\w'’.,()&-]+){1,8}?\s+to\s+(?:the|its)\s+(?:same\s+)?(?:Entity\s+)?list\b",
        0.85,
    ),
    # a list published with its first parties: "published the first Military End-User List, naming 103 parties"
    (
        "entity_listed",
        r"\b(?:publish\w*|issu\w*|releas\w*)\s+(?:the|its)\s+(?:first\s+)?(?:Military End[- ]User|MEU) List\b",
        0.85,
    ),
    # "adding 38 more Huawei affiliates to the list": the list the report is about
    (
        "entity_listed",
        r"\b(?:add\w*|put|puts|plac\w*)\s+(?:\d+|[a-z]+)\s+(?:more\s+|other\s+|further\s+)?(?:[\w-]+\s+){0,3}?"
        r"(?:affiliates|entities|companies|firms|parties|subsidiaries|units)\s+(?:to|on)\s+the\s+(?:same\s+)?list\b",
        0.85,
    ),
    # "the January 2025 designations of Zhipu AI": additions named by their month
    ("entity_listed", rf"\b{_MONTHS}\.?\s+(?:19|20)\d{{2}}\s+designations? of\b", 0.8),
    (
        "entity_listed",
        r"\b(?:add\w*|put|puts|plac\w*)\b(?:\s+[\w'’.,()-]+){0,14}?\s+(?:to|on)\s+(?:a|the|its)\s+"
        r"(?:US\s+|U\.S\.\s+|American\s+)?(?:trade\s+|export\s+|economic\s+|investment\s+)?blacklist\b"
        # "that the Department of Defense added on Monday to its list of firms it says work with China's military"
        r"|\b(?:add\w*|put|puts|plac\w*)\b(?:\s+[\w'’.,()-]+){0,6}?\s+(?:to|on)\s+(?:its|the|a)\s+(?:annual\s+)?"
        r"list\s+of\s+(?:[\w-]+\s+){0,2}?(?:companies|firms|entities|parties)\b",
        0.85,
    ),
    # a list's keeper adding parties by their number: "BIS added 33 Chinese organisations", "it added 31 more"
    (
        "entity_listed",
        r"\badd(?:s|ed|ing)\s+(?:another\s+)?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"[a-z]+ty(?:-[a-z]+)?|several|dozens of)\s+(?:more\s+|other\s+|further\s+)?(?:(?:Chinese|Russian|foreign)\s+)?"
        r"(?:organi[sz]ations|entities|companies|firms|parties|institutes|universities|more)\b",
        0.7,
    ),
    (
        "entity_listed",
        r"\b(?:was|were|been|being) (?:\w+ )?(?:added|listed|blacklisted)\b|\bon the (?:entity |unverified )?list since\b"
        r"|\b(?:has|have) been on (?:it|the (?:entity )?list) since\b|\b(?:list|it) (?:grew|expanded) to include\b"
        r"|\bblacklist(?:ed|s|ing)\b|\blisted\s+(?=(?:in|on|since)\s)(?!in\s+(?:Annex|Schedule|Appendix|Article)\b)",
        0.7,
    ),
    (
        "executive_order",
        # not across the next item of a list ("which Trump signed in January 2021, and Executive Order 14110 ...")
        r"\bsign\w*(?![^.;]*?,\s+and\s+executive order\b)" + _gap(5) + r"executive orders?\b|\bexecutive order\b"
        r"(?:\s+[\w'’.,-]+){0,12}?\s+signed\b",
        0.95,
    ),
    # "he signed a new order", "signed another order": a president's order told without "executive"
    (
        "executive_order",
        # "signed the two orders on August 6, 2020"
        r"\bsign(?:s|ed|ing)?\s+(?:an?|another|the)\s+(?:new\s+|second\s+|further\s+|two\s+|three\s+)?orders?\b"
        r"(?!\s+(?:for|worth)\b)",
        0.9,
    ),
    # "he signed EO 14179": the order by its abbreviation and number
    ("executive_order", r"\bsign(?:s|ed|ing)?\s+(?-i:EO)\s*\d{5}\b", 0.95),
    # "Joe Biden replaced it with an order of his own on June 3, 2021"
    (
        "executive_order",
        r"\breplac\w*\s+(?:it|them|that order|the order)\s+with\s+(?:an?\s+)?(?:new\s+)?(?:executive\s+)?order\b",
        0.9,
    ),
    ("executive_order", r"\bexecutive order (?:of|on|dated)\b", 0.9),
    # an order named by its number and day ("Executive Order 14110 of October 30, 2023") or by its day ("the Biden
    # administration's October 30, 2023 order"): signed that day
    (
        "executive_order",
        r"\b(?:executive order|(?-i:EO))\s+\d{5},?\s+(?:of|dated)\b|(?<=\d{4} )(?:executive )?order\b(?!s)"
        # "EO 13984, which President Trump signed in January 2021"
        r"|\b(?:executive order|(?-i:EO))\s+\d{5},?\s+which\s+(?:[\w.'’-]+\s+){0,3}?signed\b",
        0.85,
    ),
    ("executive_order", r"\bexecutive order\b(?:\s+[\w'’.,-]+){0,8}?\s+issued\b", 0.9),
    (
        "investigation",
        r"\b(?:investigat\w*|probe[sd]?|summon\w*|(?:antitrust|anti-monopoly)(?! laws?\b)|inquiry|raid\w*)\b"
        r"(?!\s+(?:came|comes|follows|followed)\b)",  # "The probe came a day after ...": the probe told before
        0.85,
    ),
    ("investigation", r"\b(?:open\w*|launch\w*|beg[au]n|start\w*)\s+(?:an?\s+)?(?:[\w-]+\s+){0,2}?review\b", 0.8),
    (
        "license_required",
        r"\b(?:need|needs|needed|require|requires|required|requiring)\s+(?:a\s+|an\s+)?"
        r"(?:[\w'’-]+\s+){0,2}?(?:licen[cs]es?|permits?|authori[sz]ations?)\b",  # "will also need an authorisation"
        0.9,
    ),
    (
        "license_required",
        r"\b(?:a\s+|an\s+)?(?:export\s+)?licen[cs]es?\s+(?:is|are|was|were)\s+(?:now\s+)?(?:required|needed)\b"
        # "licences for gallium and germanium items will be needed from August 1"
        r"|\blicen[cs]es\s+for\s+(?:[\w'’-]+\s+){1,6}?(?:will be|would be|are|were)\s+(?:required|needed)\b"
        r"|\bwith (?:export\s+)?licen[cs]es? (?:required|needed) (?=from\b)"  # "added antimony, with licences required from"
        r"|\b(?:has|have) needed one\b",
        0.9,
    ),
    (
        "license_required",
        # "anyone intending to export AI chips must now give 30 days' notice and obtain a permit"
        r"\bmust\s+(?:now\s+)?(?:[\w'’,-]+\s+){0,10}?(?:obtain|get|apply for|seek|hold)\s+(?:a\s+|an\s+)?(?:export\s+)?"
        r"(?:licen[cs]es?|permits?)\b"
        r"|\brequir\w*\s+(?:[\w'’,-]+\s+){0,14}?to (?:obtain|get|apply for|seek)\s+(?:a\s+|an\s+)?(?:export\s+)?"
        # "requiring foreign companies to obtain Chinese approval before exporting"
        r"(?:licen[cs]es?|permits?|(?:[\w-]+\s+)?approvals?)\b",
        0.85,
    ),
    # "the government made Nvidia obtain licences for every H20": a requirement imposed on the company
    (
        "license_required",
        r"\b(?:made|makes|make|forced|forces|force)\s+(?:[\w'’-]+\s+){1,3}?(?:obtain|get|seek|apply for)\s+"
        r"(?:a\s+|an\s+)?(?:export\s+)?licen[cs]es?\b",
        0.85,
    ),
    # A company told by letter: "AMD said it had received a similar notice" (the "is informed" letters).
    (
        "license_required",
        r"\breceiv\w*\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?(?:notice|letter|notification)\b",
        0.8,
    ),
    # the letters that impose it: "sent letters telling SMIC's suppliers they would need licences"
    (
        "license_required",
        r"\bsent\s+(?:[\w'’-]+\s+){0,2}?letters?\s+(?:telling|informing|notifying|warning)\b"
        r"(?=(?:\s+[\w'’,-]+){1,12}?\s+licen[cs]es?\b)",
        0.8,
    ),
    (
        "license_required",
        rf"\blicen[cs]e requirements?\b{_NOT_STARTING}|\blicen[cs]ing requirements? (?:for|on)\b"
        # "put the H20, Nvidia's China-market chip, under a licence requirement": the verb, near its day
        r"|\b(?:plac\w*|put|puts|putting)\s+(?:[\w'’,-]+\s+){0,12}?under\s+(?:an?\s+|the\s+)?(?:new\s+)?"
        r"licen[cs]e requirements?\b",
        0.9,
    ),
    ("license_required", r"\blicen[cs]ing (?:the )?(?:exports?|shipments?) of\b|\bbe(?:gan|gins?) licen[cs]ing\b", 0.8),
    (
        "guidance_issued",
        r"\bguidance\b|\bred flags\b|\bpolicy statement\b|\badvisory opinion\b|\bguidelines\b|\bcode of practice\b",
        0.85,
    ),
    (
        "guidance_issued",
        r"\bwarn\w*\b(?:\s+[\w'’.,-]+){0,6}?\s+that (?:using|companies|exporters|firms|anyone)\b",
        0.75,
    ),
    # the same warning with what it warns of first: "Companies that ... could be violating the controls, the
    # department warned on Tuesday"
    (
        "guidance_issued",
        r"\b(?:companies|exporters|firms|anyone|using)\b[^;.]{0,140}?,\s+(?:[\w'’-]+\s+){1,7}?(?P<at>warn(?:ed|s))\b",
        0.75,
    ),
    # The nouns rank below the verbs of other kinds: "with the rescission, BIS issued guidance".
    ("rule_rescinded", r"\b(?:rescission|revocation)\b", 0.75),
    (
        "migration_offer",
        r"\bfree\s+(?:[\w.-]+\s+){0,2}?tokens\b|\bmigration\b|\bmigrat(?:e|ing)\b|\brelocation (?:plan|programme|program)\b",
        0.9,
    ),
    ("migration_offer", r"\b(?:switching|switch|moving|move|migrating) (?:away )?from\b|\bleaving OpenAI\b", 0.75),
    # "offered Claude API users a plan to move to its GLM models", "made a similar pitch to Claude Code users"
    (
        "migration_offer",
        r"\boffer\w*\s+(?:[\w'’-]+\s+){0,6}?(?:a\s+)?(?:plan|path|way|programme|program|package)\s+to\s+"
        r"(?:move|switch|migrate|port)\b"
        r"|\bpitch\s+to\s+(?:[\w'’-]+\s+){0,3}?(?:users|developers|customers)\b",
        0.75,
    ),
    # "began offering new users ... a block of free tokens", "is giving every new account free credit"
    (
        "migration_offer",
        r"\b(?:offer\w*|giv(?:e|es|ing)|hand\w* out)\s+(?:[\w'’-]+\s+){0,12}?free\s+(?:[\w.-]+\s+){0,2}?"
        r"(?:tokens|credits?|compute|quota|usage)\b",
        0.8,
    ),
    (
        "migration_offer",
        r"\b(?:announc\w*|launch\w*|unveil\w*|introduc\w*|made|rolled out|followed (?:up )?with) "
        r"(?:an |a |its |their )?(?:[\w-]+ ){0,2}?(?:offers?|promotions?|giveaways?|incentives|incentive packages)\b"
        r"|\boffers? of (?:its|their) own\b",
        0.7,
    ),
    (
        "service_restricted",
        # not what a rule is for ("issued rules to block the unjustified extra-territorial application of foreign laws")
        r"\b(?:went|go|goes|gone) dark\b|(?<!rules to )(?<!measures to )(?<!law to )\bblock(?:s|ed|ing)?\b(?!\s+of\b)"
        r"|\bcut(?:s|ting)? off\b|\bcut-?off\b",
        0.85,
    ),
    ("service_restricted", r"\btighten\w* (?:its|their) (?:terms|usage polic(?:y|ies)|policies)\b", 0.8),
    # "decided to pause the service there", "the app had been off local app stores since Saturday"
    (
        "service_restricted",
        r"\bpaus\w*\s+(?:the|its|our)\s+(?:service|app|access)\b|\boff\s+(?:local\s+)?app stores\b"
        # "we paused ChatGPT in Italy", "we paused access for everyone in the country"
        r"|\bpaus\w*\s+(?:access|(?-i:[A-Z][\w-]+))\s+(?:in|for)\b"
        # "we have paused top-ups for the DeepSeek API": no new credit, no new users
        r"|\b(?:paus|suspend|halt)\w*\s+(?:all\s+|new\s+)?(?:top-ups|recharges|sign-?ups|registrations)\b",
        0.85,
    ),
    # A government keeping an app off its own machines: "barred the chatbot from government devices", "told public
    # agencies not to use it", "several ministries cut access".
    (
        "service_restricted",
        r"\b(?:bar|bars|barred|barring|ban|bans|banned|banning)\s+(?:[\w'’-]+\s+){0,3}?from\s+(?:[\w'’-]+\s+){0,3}?"
        r"(?:devices|computers|phones|systems|networks)\b"
        r"|\b(?:told|tells|ordered|orders|instructed|instructs|asked|advised)\s+(?:[\w'’-]+\s+){0,3}?"
        r"(?:agencies|officials|staff|employees|civil servants|ministries|departments|personnel|troops|workers)\b"
        r"(?:\s+[\w'’,-]+){0,6}?\s+(?:not to use|to stop using|to avoid using|to refrain from using|to keep\b"
        r"(?:\s+[\w'’-]+){1,3}\s+off)\b"
        # "a ban across federal government systems", "a ban on the app on official phones"
        r"|\bban\s+(?:across|on|from)\s+(?:[\w'’-]+\s+){0,5}?(?:devices|computers|phones|systems|networks)\b"
        r"|\bcut(?:s|ting)? access\b",
        0.85,
    ),
    ("service_restricted", r"\bprohibit\w*\s+(?:the\s+)?(?:use|access)\s+(?:by|from|of|in)\b", 0.85),
    # "requests from unsupported countries will be refused", "ordered DeepSeek to stop processing the data"
    (
        "service_restricted",
        r"\b(?:requests|traffic|calls)\b[^.;:]{0,120}?\b(?:will be|are|were|is|was)\s+(?:refused|rejected|denied)\b"
        r"|\bordered\s+(?:[\w'’-]+\s+){1,4}?to\s+(?:stop|halt|cease|suspend)\s+(?:processing|serving|offering|providing)\b",
        0.85,
    ),
    (
        "service_restricted",
        r"\b(?:reject\w*|refus\w*|den(?:y|ies|ied|ying))\s+(?:[\w'’-]+\s+){0,3}?(?:requests|access|calls|traffic)\b",
        0.8,
    ),
    (
        "service_restricted",
        r"\bstop(?:s|ped|ping)?\s+(?:selling|providing|serving|offering|supporting|shipping|supplying)\b",
        0.9,
    ),
    ("service_restricted", r"\brefus\w* to (?:sell|serve|provide|offer)\b|\bno longer sell\b", 0.85),
    (
        "service_restricted",
        r"\b(?:bar|bars|barred|barring|ban|bans|banned)\s+(?:[\w'’-]+\s+){0,3}?"
        r"(?:compan(?:y|ies)|users?|developers?|access|customers?|entit(?:y|ies)|firms?|use)\b",
        0.85,
    ),
    (
        "service_restricted",
        r"\b(?:lost|lose|loses|losing|restrict\w*|suspend\w*|ended|ends|revok\w*|disabl\w*|shut\w* off|turn\w* off)\s+"
        r"(?:[\w'’-]+\s+){0,2}?access\b|\bno longer (?:be )?(?:available|serve|support|offer)\b"
        r"|\b(?:can|could|may) no longer (?:access|use|reach|call)\b|\bno longer (?:be )?able to\b",
        0.85,
    ),
    (
        "service_restricted",
        r"\b(?:sales|service|usage|access) restrictions\b|\bunsupported (?:regions|countries)\b",
        0.7,
    ),
    (
        "service_restricted",
        r"\b(?:halt\w*|suspend\w*|stop\w*|cease\w*)\s+(?:[\w'’-]+\s+){0,2}?(?:shipments|sales|"
        r"supplies|supply|deliveries|exports|downloads|sign-?ups|registrations)\b|\b(?:removed|pulled)\s+from\s+(?:[\w'’-]+\s+){0,3}?app stores?\b",
        0.8,
    ),
    (
        "service_available",
        r"\b(?:remain\w*|stay\w*|became|become|becomes|made|make|makes|making|now|is|was|has been|have been)\s+"
        r"(?:[\w'’-]+\s+){0,4}?available\b",
        0.85,
    ),
    ("service_available", r"\bopen\w*\s+(?:[\w'’-]+\s+){0,5}?to the (?:general )?public\b", 0.9),
    # "the consumer product was open to users in the United States"; "widened access to 95 countries"; "Bard
    # reached users in the European Union in July 2023"
    (
        "service_available",
        r"\b(?:was|were|is|became|become)\s+open\s+to\s+(?:users|customers|developers|people)\b"
        r"|\b(?:widen\w*|expand\w*|extend\w*|broaden\w*)\s+(?:its\s+|their\s+)?access\s+to\b"
        r"|\breach(?:ed|es)?\s+(?:users|customers|people)\s+in\b",
        0.85,
    ),
    # a provider refusing a class of customers: "we also do not sell our services to companies that are ... owned"
    (
        "service_restricted",
        r"\b(?:no longer|(?:do|does|will) not|stopp?(?:ed|s)?)\s+(?:sell\w*|offer\w*|provid\w*)\s+"
        r"(?:our\s+|its\s+|their\s+)?(?:services?|products?|models?)\s+to\b",
        0.8,
    ),
    # "Meta AI first launched in the US in September 2023": a service opened in a country
    (
        "service_available",
        r"\b(?:first\s+)?(?:launched|went live|became available)\s+in\s+(?:the\s+)?(?:US|U\.S\.|UK|EU|United States|Europe)\b",
        0.75,
    ),
    # "iPhone owners in the European Union got access to Apple Intelligence on Monday"
    ("service_available", r"\b(?:got|gained|get|gets|gain|gains)\s+access\s+to\b", 0.85),
    # "downloads came back in late April", "the app returned to app stores"
    (
        "service_available",
        r"\b(?:downloads|access|service|the app)\s+(?:came|comes|come|was|were)\s+(?:back|restored)\b"
        # "Downloads in South Korea resumed on April 28"
        r"|\b(?:downloads|access|service)\s+(?:in\s+(?:[A-Z][\w-]*\s+){1,3})?resumed\b"
        r"|\breturned to (?:the\s+)?(?:[\w'’-]+\s+){0,3}?app stores?\b",  # "returned to South Korean app stores"
        0.8,
    ),
    # "people in the United States can sign up and talk with Claude 2"
    ("service_available", r"\bcan (?:now )?(?:use|access|sign up|subscribe to|download|turn on|enable)\b", 0.7),
    # "We launched Meta AI in the United States in September 2023"; "will begin to see Meta AI in WhatsApp"
    (
        "service_available",
        r"\blaunch(?:ed|es)?\s+(?-i:(?:[A-Z][\w-]*\s+){1,3})in\s+(?:the\s+)?(?-i:[A-Z][\w.-]+)"
        r"|\b(?:begin|began|start|started)\s+to\s+see\b",
        0.75,
    ),
    # "starting today, ChatGPT can be used in the country again"
    ("service_available", r"\b(?:can|may) (?:now )?be (?:used|accessed)\b(?:\s+[\w'’-]+){0,5}?\s+again\b", 0.85),
    (
        "rule_effective",
        r"\b(?:take|takes|took|taking|taken) effect\b|\b(?:came|come|comes|enter\w*) into "
        r"(?:force|effect)\b|\b(?:became|becomes|become) effective\b",
        0.95,
    ),
    ("rule_effective", r"\beffective (?:on|from|as of|date)\b|\b(?:was|is|be|are|were) effective\b", 0.9),
    (
        "rule_effective",
        r"\bwith immediate effect\b|\beffective immediately\b|\bappl(?:y|ies|ied) on (?:release|issuance)\b"
        r"|\beffective (?:on )?(?:the|that) same day\b",
        0.85,
    ),
    ("rule_effective", r"\bkick(?:s|ed|ing)? in\b|\bappl(?:y|ies|ied) as of\b|\bwith effect from\b", 0.85),
    ("rule_effective", r"\bappl(?:y|ies|ied|ying) (?:from|immediately)\b|\bappl(?:y|ies) at once\b|\beffective\b", 0.6),
    # "the end-use controls applied on October 7": a rule's part told applying on a day
    (
        "rule_effective",
        r"\b(?:controls|rules?|provisions|restrictions|requirements)\s+appl(?:y|ies|ied)\s+on\b",
        0.75,
    ),
    # "the regulation that has covered its most advanced tools since September 2023"
    ("rule_effective", r"\b(?:has|have) (?:covered|applied|governed|been in (?:force|effect|place))\b", 0.75),
    ("rule_effective", r"\bin (?:place|force|effect) since\b", 0.75),
    # "a regulation that started to bite in September", "licensing of gallium that began on Aug. 1"
    ("rule_effective", r"\b(?:start\w*|began|begins?) to (?:bite|apply)\b", 0.85),
    (
        "rule_effective",
        r"\blicen[cs]ing\b(?:\s+[\w'’,-]+){0,6}?\s+(?:that|which)\s+(?:began|started|took effect)\b",
        0.85,
    ),
    (
        "rule_effective",
        r"\bin (?:force|effect) (?:from|as of)\b",
        0.85,
    ),  # "released on April 4 and in force from that day"
    ("rule_effective", r"\b(?:begin|begins|began|start|starts|started) (?:to )?(?:control|restrict)\w*", 0.8),
    # "Japan began enforcing its own equipment controls in July 2023"; "the prohibition begins on January 11"
    (
        "rule_effective",
        r"\b(?:begin|begins|began|start|starts|started)\s+(?:enforc|apply|implement)\w*"
        r"|\b(?:prohibitions?|bans?|requirements?)\s+(?:begins?|starts?|began|started)\s+(?:on|from)\b",
        0.85,
    ),
    ("rule_published", r"\b(?:published|printed|appear\w*|for publication) in the Federal Register\b", 0.95),
    # the European Union's gazette: "its publication in the Official Journal of the European Union on 12 July"
    ("rule_published", r"\b(?:published|publication|printed|appear\w*) in the Official Journal\b", 0.9),
    # a national gazette: "the minister announced the change today in the Government Gazette"; a rule amended
    (
        "rule_published",
        r"\b(?:announc\w*|publish\w*|publication|printed)\b(?:\s+[\w'’-]+){0,4}?\s+in the (?:Government|State|Official)"
        r" Gazette\b|\b(?:was|were|been)\s+(?:first\s+|later\s+|further\s+|since\s+)?amended\b",
        0.8,  # not carried to a sentence without a day of its own
    ),
    # "added to the Entity List on Tuesday as part of the Commerce Department's update of its controls": that update
    # is of the same day
    (
        "rule_published",
        r"\bas part of (?:the |its |their |[\w.&'’ -]{1,40}?['’]s )(?:[\w-]+\s+){0,2}?"
        r"(?:update|package|overhaul|tightening|expansion|revision) (?:of|to) (?:its|the|their) "
        r"(?:[\w-]+\s+){0,3}?(?:rules|controls|regulations|restrictions)\b",
        0.85,
    ),
    # "widened the Entity List to cover majority-owned subsidiaries": the list's rules changed, no party listed
    (
        "rule_published",
        r"\b(?:widen|expand|extend|broaden)\w*\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+)?(?:Entity List|blacklist)\s+"
        r"to\s+(?:cover|include|reach)\b",  # "widened its trade blacklist to cover any company half owned by ..."
        0.9,
    ),
    ("rule_published", r"\bFederal Register (?:published|printed|carried)\b", 0.9),
    # "BIS followed with the foundry due diligence rule": the next rule of a series, released
    (
        "rule_published",
        r"\bfollowed (?:up )?with (?:a |an |the |its |their )?(?:[\w-]+\s+){0,5}?(?:rules?|regulations?|controls)\b",
        0.8,
    ),
    # The verb and its object within one phrase: no comma between them.
    (
        "rule_published",
        r"\b(?:issu\w*|releas\w*|unveil\w*|announc\w*|publish\w*|extend\w*|expand\w*|tighten\w*|"
        r"impos\w*|introduc\w*|adopt\w*|finali[sz]\w*|propos\w*|updat\w*|revis\w*|widen\w*|broaden\w*|"
        r"promulgat\w*|implement\w*|slap\w*|plac(?:e|es|ed|ing)|rewr(?:ote|ite|ites|itten|iting)|amend(?:s|ed|ing)?|"
        r"float(?:s|ed|ing)?|roll(?:s|ed|ing)? out)"
        # a day between them keeps its comma: "released on January 15, 2025 an interim final rule"
        r"\b(?:\s+[\w'’.-]+(?:(?<=\d),)?){0,7}?\s+"
        r"(?:rules?|(?<!visa )restrictions|controls|regulations?|framework|measures|package|provisions|amendment|ordinance|thresholds|"
        r"curbs|regime|rulemaking|draft|licensing)\b|\b(?:issu\w*|publish\w*)\s+Announcement\s+No\b",
        0.85,
    ),
    ("rule_published", r"\bpromulgat(?:e|es|ed|ing)\b", 0.8),  # a word of law alone: "promulgated the changes"
    # an act told as coming with a rule: "It came alongside the foundry due-diligence rule" (released that day)
    (
        "rule_published",
        r"\b(?:came|comes|was issued|were issued)\s+alongside\s+(?:the|a)\s+(?:[\w-]+\s+){0,4}?rule\b",
        0.75,
    ),
    # licensing introduced: "the licensing of seven rare earths that MOFCOM and Customs introduced in April",
    # "introduced licensing of seven rare earths"
    (
        "rule_published",
        r"\blicen[cs]ing\b(?:\s+[\w'’,-]+){0,10}?\s+(?:that|which)\s+(?:[\w'’-]+\s+){0,8}?(?:introduced|imposed|adopted)\b"
        r"|\b(?:introduc|impos)\w*\s+(?:[\w'’-]+\s+){0,2}?licen[cs]ing\b",
        0.8,
    ),
    # The object before its verb: "the controls it first imposed in October 2022", "rules were tightened in 2023".
    (
        "rule_published",
        r"\b(?:rules?|controls|curbs|regulations?|export restrictions|package|draft|ordinance|amendment|provisions)\b,?"
        r"(?!\s+(?:which|that) had\b)"  # what a rule had done before: "its affiliates rule, which had extended ..."
        r"(?:\s+[\w'’-]+){0,3}?\s+"
        r"(?:imposed|issued|introduced|unveiled|adopted|published|released|expanded|tightened|broadened|"
        r"widened|updated|extended|revised|announced)\b",
        0.8,
    ),
    (
        "rule_published",
        r"\b(?:restrict\w*|curb\w*|tighten\w*)\s+(?:[\w'’-]+\s+){0,2}?(?:exports?|sales|shipments) of\b",
        0.8,
    ),
    # "placed seven rare earths under licensing", "put exports of tungsten under licensing", "put out announcements"
    (
        "rule_published",
        r"\b(?:plac\w*|put|puts|putting)\s+(?:[\w'’,-]+\s+){0,12}?under\s+(?:an?\s+)?(?:national\s+)?"
        # not a licence requirement put on a product ("put the H20 under a licence requirement"): that requirement
        r"(?:licen[cs](?:ing|es?)(?!\s+requirements?\b)|export controls?|export licen[cs]ing)\b"
        r"|\bput (?:out|forward)\s+(?:[\w'’-]+\s+){0,4}?(?:announcements?|rules|regulations|measures|notices)\b"
        # a draft put out for comment: "put a draft out for comment in March 2023", "rewrote it to cover ..."
        r"|\bput\s+(?:a|the|its)\s+(?:[\w-]+\s+)?draft\s+out\b|\brewr(?:ote|ites|itten)\s+(?:it|them)\b",
        0.8,
    ),
    (
        "rule_published",
        r"\b(?:was|were|been)\s+(?:further\s+|again\s+)?(?:expanded|tightened|broadened|widened)\b",
        0.7,
    ),
    # "the October 2023 rules", "last week's rules": a rule named by its month.
    (
        "rule_published",
        r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?:19|20)\d{2}\s+(?:export\s+)?"
        r"(?:rules?|controls|curbs|regulations|restrictions|update|licensing|amendments?)\b"
        # with its owner: "Washington's October restrictions"; "the rules of that October"
        rf"|\b(?:the|its|their|(?-i:[A-Z][\w.-]*)['’]s) {_MONTHS} (?:export\s+)?"
        r"(?:rules?|controls|curbs|regulations|restrictions|licensing|changes|amendments?)\b"
        # "the US affiliates rule of late September"
        rf"|\b(?:rules?|controls|curbs|regulations|restrictions|regime) of (?:that |last |late |early |mid-)?{_MONTHS}\b"
        r"(?!\.?\s+\d)"
        # "the affiliates rule at the end of September and Beijing's sweeping rare-earth regime in October"
        rf"|\b(?:rule|rules|regime|controls) at the (?:end|start|beginning) of (?={_MONTHS}\b)"
        # not "expected the rules in November", "pulled the plug on the AI Diffusion rule in May"
        rf"|\bregime in (?:late |early |mid-)?(?={_MONTHS}\b)"
        # "the change made in May"
        r"|\b(?:changes?|amendments?) (?:it |they )?(?:made|introduced|adopted) in\b"
        # "the controls on gallium and germanium that the two departments introduced this July"
        r"|\b(?:controls|rules?|curbs|restrictions)\b(?:\s+[\w'’,-]+){0,8}?\s+that\s+(?:[\w'’-]+\s+){0,4}?"
        r"(?:introduced|imposed|adopted|issued|unveiled)\b(?=\s+(?:in|this|last|on)\b)"
        r"|\b(?:last|this) (?:week|month)['’]s (?:new\s+)?(?:rules?|controls|curbs|regulations)\b"
        r"|\bthe (?:19|20)\d{2} (?:export\s+)?(?:rules|controls|curbs|tightening)\b"
        r"|\b(?:yesterday|today|(?:mon|tues|wednes|thurs|fri)day)['’]s (?:new\s+)?(?:(?:US|U\.S\.|American|export|chip)\s+)?"
        r"(?:package|rules?|controls|curbs)\b"
        rf"|\b{_MONTHS}['’]s (?:new\s+)?(?:export\s+)?(?:rules?|controls|curbs|regulations|restrictions)\b",
        0.85,
    ),
    ("rule_rescinded", r"\b(?:last|this) (?:week|month)['’]s decision to (?:scrap|rescind|withdraw|revoke)\b", 0.9),
    # A rule "released on January 13": the participle before its date.
    ("rule_published", r"\b(?:[Rr]eleased|[Ii]ssued|[Pp]romulgated|[Pp]ublished)\s+(?=on\b|in\b)", 0.6),
    ("rule_published", r"\b(?:was|were) published\b", 0.7),
    # "the gallium controls were announced in July 2023 and began on August 1": a rule told in the passive
    (
        "rule_published",
        # with what it controls between: "the export controls on gallium and germanium were announced in July 2023"
        r"\b(?:rules?|controls|curbs|regulations|restrictions|regime)(?:\s+(?:on|for)(?:\s+[\w'’-]+){1,4}?)?\s+"
        r"(?:was|were|had been|have been|has been)\s+(?:first\s+)?announced\b",
        0.8,
    ),
    # "... and began on August 1": the subject is the rule, the trigger its verb (the date of the verb, not the noun)
    (
        "rule_effective",
        r"\b(?:rules?|controls|curbs|regulations|restrictions|regime)\b(?:\s+[\w'’-]+){0,6}?\s+"
        r"(?P<at>(?:began|started|begin|begins|start|starts)\s+(?:on|from))\b",
        0.8,
    ),
    # below the acts: "take effect today, meaning ASML must obtain a licence" is the rule's content
    (
        "license_required",
        r"\b(?:must|(?:have|has|had) to)\s+(?:first\s+|now\s+)?(?:obtain|get|apply for|hold)\s+(?:a\s+|an\s+)?(?:[\w'’-]+\s+){0,3}?(?:licen[cs]es?|permits?)\b",
        0.8,
    ),
    ("license_required", rf"\brequirements?\b{_NOT_STARTING}", 0.55),
    (
        "statement",
        # not a denial ("the meeting has not been confirmed") nor a stance held ("whose Secretary has said ..."), which has no day
        r"(?<!\bnot been )(?<!\bnot )(?<!\bhas )(?<!\bhave )\b(?:said|says|announced|announces|confirmed|confirms|told|warned|warns|emailed|emailing|notified|"
        r"informed|disclosed|discloses|reported|released|agreed|agrees|stated|unveiled|declared|pledged|"
        r"promised|urged|critici[sz]ed|condemned|protested|flagged)\b|\bfirmly oppos\w*|\bissued (?:a )?statements?\b"
        r"|\bsent\s+(?:out\s+)?emails?\b",  # "OpenAI sent emails to developers ..., saying it will block"
        0.55,
    ),
    # a company telling it will resume sales under licences it was assured of: "Today we are filing applications to
    # resume sales of the H20, and the US government has assured us that the licenses will be granted"
    (
        "statement",
        r"\b(?:fil(?:e|es|ed|ing))\s+(?:license\s+|licence\s+)?applications\s+to\s+resume\b"
        r"|\bassured\s+(?:(?:us|it|them|the company|[A-Z]\w+)\s+)?(?:that\s+)?(?:the\s+)?licen[cs]es\b"
        r"|保证[^。；，]{0,6}?(?:批准|发放)",  # "美国政府已向其保证将批准H20对华出口许可"
        0.8,
    ),
    # a plan set out is a statement of policy: "The White House published America's AI Action Plan on July 23"
    ("statement", r"\b(?:publish\w*|releas\w*|unveil\w*|issu\w*)\s+(?:[\w'’-]+\s+){0,3}?AI Action Plan\b", 0.8),
]

# Chinese reports: the same kinds, triggered by the words Chinese reports use.
CHINESE: list[tuple[str, str, float]] = [
    ("retaliation", r"反制|报复|不可靠实体清单(?!规定)", 0.9),  # not the provisions that set the list up
    ("retaliation", r"对美(?:国)?[^。，；]{0,12}?(?:出口管制|禁止出口|不予许可)", 0.8),  # aimed at the US (rule 11)
    ("retaliation", r"禁止[^。；]{0,20}?对\s*美国", 0.8),  # "禁止两用物项对美国军事用户出口"
    ("retaliation", r"不予许可[^。；]{0,20}?对\s*美国", 0.8),  # "原则上不予许可镓、锗对美国出口"
    ("retaliation", r"将[^。；，]{0,12}?美国实体[^。；，]{0,4}?列入", 0.85),  # "将16家美国实体列入出口管制管控名单"
    ("rule_rescinded", r"撤销|废除|废止|撤回", 0.85),
    (
        "rule_delayed",
        r"暂停(?:实施|执行)|暂缓(?:实施|执行)|(?:推迟|延期)(?:实施|执行|生效)",
        0.9,
    ),  # a measure suspended
    ("rule_published", r"(?:表决|审议)通过", 0.85),  # a law passed by the legislature
    # "将智谱列入出口管制“实体清单”": the list's name may be quoted and qualified
    ("entity_listed", r"列入(?:了)?(?:美国)?(?:出口管制)?[“\"「]?实体清单|被列入", 0.9),
    ("investigation", r"(?<!尽职)调查|约谈", 0.85),  # not due diligence (尽职调查)
    # A review opened ("对美光在华销售产品实施网络安全审查") is a probe; one failed ("未通过网络安全审查") is its sanction.
    ("retaliation", r"未通过[^。，；]{0,6}?审查", 0.85),
    ("investigation", r"(?:实施|启动|开展|发起|进行)[^。，；]{0,8}?审查", 0.85),
    ("license_required", r"许可证|出口许可", 0.8),
    ("guidance_issued", r"指南|指引", 0.85),  # guidance: "发布相关指南"
    ("migration_offer", r"迁移|搬家|替代方案|免费\s*(?:tokens?|额度)|赠送", 0.9),  # 免费额度: free credits
    (
        "service_restricted",
        r"限制|封锁|阻止|断供|停止[^。，；]{0,12}?(?:提供|服务)|屏蔽|暂停[^。，；]{0,8}?(?:服务|充值|注册|访问|调用)",
        0.85,
    ),
    ("service_available", r"开放|上线|提供服务", 0.7),
    ("rule_effective", r"生效|施行|(?:起|正式)实施", 0.9),
    ("rule_published", r"(?:宣布|发布|出台|公布)[^。，；]{0,24}?(?:管制措施|出口管制|新规|规则)", 0.8),
    (
        "rule_published",
        r"(?<!起)对[^。；]{0,30}?实施(?:出口)?管制",
        0.8,
    ),  # "对七种中重稀土实施出口管制": controls imposed
    # not guidance, nor a product ("正式发布豆包大模型家族")
    (
        "rule_published",
        r"发布(?![^。，；]{0,3}?(?:消息|声明)|[^。，；]{0,6}?(?:指南|指引)|[^。，；]{0,12}?模型)|出台|公布",
        0.75,
    ),
    ("rule_published", r"征求意见稿|公开征求意见", 0.8),  # a draft put out for comment
    # not a price cut told ("阿里云21日宣布，通义千问9款模型集体降价"): no event
    (
        "statement",
        r"宣布(?![^。；]{0,30}?降价)|表示|称|(?:发布|发表|发出)(?:消息|声明)|坚决反对|答记者问|(?:发出|发送)[^。，；]{0,12}?邮件",
        0.55,
    ),
]

# Kinds that qualify the whole sentence, however far from the date ("..., a move seen as retaliation").
SENTENCE_WIDE = frozenset({"retaliation"})
# A date after these words is when something starts to apply, not when it was published.
STARTS = re.compile(
    r"\b(?:from|starting(?: on| from)?|beginning(?: on)?|as of|effective|(?:to|will|would) (?:start|begin) (?:on|from))\s*"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*)?$",
    _I,
)

# A reaction: what follows it is what it reacts to ("said on Thursday it firmly opposed the decision to list it"), and
# it is no announcement of the act it reacts to.
REACTION = re.compile(r"(?:firmly )?(?:oppos|condemn|protest|critici[sz]|denounc)\w*|坚决反对", re.I)
# A spokesperson in a Chinese report (发言人, 答记者问: answering reporters' questions), whose words on a measure
# are a comment on it, a telling of its own apart from the announcement, not the measure.
CHINESE_COMMENT = re.compile(r"发言人|答记者问")

# Words that attach a date to an announcement, and words that make what is announced a later act.
SPEECH = re.compile(
    r"\b(?:said|says|confirmed|confirms|announced|announces|told|tells|warned|warns|emailed|"
    r"notified|informed|wrote)\b",
    _I,
)
PROSPECTIVE = re.compile(
    r"\b(?:would|will|was taking|is taking|plans? to|planned to|intends? to|to begin|"
    r"going to|steps to)\b",
    _I,
)


@dataclass(frozen=True)
class Trigger:
    kind: str
    start: int
    end: int
    strength: float
    rank: int  # position in the lexicon: lower wins


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[tuple[str, re.Pattern, float], ...]
    # Per entry, words one of which any match contains (lower case), or None: a pattern whose words are
    # not in the text is not run (most are not, and running every pattern was most of the stage's time).
    gates: tuple[frozenset[str] | None, ...] = ()
    words: tuple[str, ...] = ()  # every word of the gates, each looked for once per text

    def __post_init__(self) -> None:
        if not self.gates:
            object.__setattr__(self, "gates", tuple(required_words(p) for _, p, _ in self.entries))
        object.__setattr__(self, "words", tuple(sorted({w for gate in self.gates if gate for w in gate})))

    def _present(self, text: str) -> set[str]:
        lower = text.lower()
        return {word for word in self.words if word in lower}

    def triggers(self, text: str) -> list[Trigger]:
        """Every trigger in `text`; where two overlap, both are kept (the ranking decides)."""
        found = []
        present = self._present(text)
        for rank, ((kind, pattern, strength), gate) in enumerate(zip(self.entries, self.gates, strict=True)):
            if gate is not None and gate.isdisjoint(present):
                continue
            at = "at" if "at" in pattern.groupindex else 0  # a pattern may name the verb it dates ("(?P<at>began on)")
            for m in pattern.finditer(text):
                found.append(Trigger(kind, m.start(at), m.end(at), strength, rank))
        return found

    def strength(self, text: str, kind: str) -> float:
        """The strongest trigger of `kind` in `text` (0 when there is none)."""
        present = self._present(text)
        return max(
            (
                s
                for (k, p, s), gate in zip(self.entries, self.gates, strict=True)
                if k == kind and (gate is None or not gate.isdisjoint(present)) and p.search(text)
            ),
            default=0.0,
        )


def required_words(pattern: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains, lower-cased (a superset test: the
    pattern still decides), or None when there is no such set; from the parsed pattern."""
    return _cover(_parser.parse(pattern.pattern, pattern.flags))


def _cover(items) -> frozenset[str] | None:
    """For a sequence of parsed regex items: the best cover of one item that must match (a literal run,
    a group, an alternation whose every branch has a cover, a repeat of at least one), the one whose
    shortest string is longest."""
    options: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append(frozenset({"".join(run).lower()}))
            run = []
        cover = None
        if op is _c.SUBPATTERN:
            cover = _cover(av[-1])
        elif op is _c.ATOMIC_GROUP:
            cover = _cover(av)
        elif op is _c.BRANCH:
            branches = [_cover(branch) for branch in av[1]]
            if all(branches):
                cover = frozenset().union(*branches)  # type: ignore[arg-type]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            cover = _cover(av[2])
        if cover and all(cover):
            options.append(cover)
    if run:
        options.append(frozenset({"".join(run).lower()}))
    return max(options, key=lambda c: min(map(len, c)), default=None)


def _compile(entries: list[tuple[str, str, float]], flags: int) -> Lexicon:
    return Lexicon(tuple((kind, re.compile(pattern, flags), strength) for kind, pattern, strength in entries))


ENGLISH_LEXICON = _compile(ENGLISH, _I)
CHINESE_LEXICON = _compile(CHINESE, 0)


def _mixed() -> Lexicon:
    """English and Chinese entries together, each Chinese one ranked with the first English one of its kind:
    for sentences that mix the two (a translated report quoting 商务部公告), whatever the report's language."""
    entries = list(ENGLISH_LEXICON.entries)
    for kind, pattern, strength in CHINESE_LEXICON.entries:
        at = next((i for i, e in enumerate(entries) if e[0] == kind), len(entries))
        entries.insert(at, (kind, pattern, strength))
    return Lexicon(tuple(entries))


MIXED_LEXICON = _mixed()


def lexicon_for(language: str | None) -> Lexicon:
    return CHINESE_LEXICON if (language or "").lower().startswith("zh") else ENGLISH_LEXICON


def announces(sentence: str, date_start: int, date_end: int) -> bool:
    """True for "X said on <date> that it would ...": the date is the announcement's, the act comes later."""
    before = sentence[max(0, date_start - 40) : date_start]
    after = sentence[date_end : date_end + 80]
    return bool(SPEECH.search(before)) and bool(PROSPECTIVE.search(after))


def sentence_announces(sentence: str) -> bool:
    """`announces` for a stored evidence sentence, whose date position is no longer known."""
    speech = SPEECH.search(sentence)
    return speech is not None and bool(PROSPECTIVE.search(sentence, speech.end()))
