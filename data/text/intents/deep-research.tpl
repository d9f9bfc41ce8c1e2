# Thorough, multi-source research: reports, comparisons, deep dives.
@intents hasDeepResearchIntent
@prefix [{wake},^0.3] [{hes},^0.1]
do some deep research on {topic} @w=3
research {topic} and write me a report @w=2
I want a thorough analysis of {topic}
dig into {topic} for me
put together a research brief on {topic}
compare {compare} in depth
look into {topic} and summarize what the sources say
find everything you can about {topic}
give me a detailed report on {topic} with sources
investigate {topic}
do a deep dive into {topic}
research the pros and cons of {topic}
write a literature review on {topic}
(can|could) you research {topic} for me?
I need a full report on {topic} by {day}
research venues for {event}
research gift ideas for {person}
research the best {product} and compare the top five
spend some time researching {topic}
go deep on {topic} and tell me what the experts think
make me a research summary on {topic} with citations
analyze {compare} and give me a recommendation
what does the research say about {topic}? give me the full picture
research {person}'s company before I meet them
pull together studies on {topic}
build me a report comparing {compare}
um, could you, uh, do a deep dive on {topic}?
I want to understand {topic} properly, research it
research the history and current state of {topic}
gather sources on {topic} and write up the key findings
do a comprehensive comparison of {compare}
research what we'd need for {event}
prepare a briefing on {topic} for {event}
I'd like an in-depth look at {topic}
find and summarize recent studies on {topic}
research the options for {topic} and rank them
write a detailed analysis of {topic}
research everything about {place} before {trip}
look deeply into {topic} and flag anything surprising
research costs and timelines for {doc_topic}
do a market analysis of {topic}
research {topic} across news, papers and forums
give me a deep research report on {topic}
run a research project on {topic}
find the strongest arguments for and against {topic}
research caterers for {event} and compare prices
survey the literature on {topic}
research how other people handled {topic}
dig up everything on {compare}
I need a well sourced overview of {topic}
