# Quick lookups: a term, a word, a fact.
@intents hasTermSearchQuery
@prefix [{wake},^0.3] [{hes},^0.1]
what does {term} mean? @w=2
what is {term}?
define {term}
search for {term} @w=2
look up {term} @w=2
look up {fact}
search {fact}
find out {fact}
(can|could) you look up {term} for me?
google {term}
search the web for {topic}
what's the definition of {term}?
tell me what {term} is
I want to know {fact}
do a quick search on {topic}
quick search: {term}
give me a quick definition of {term}
what's {term} in simple terms?
search online for {topic}
can you find out {fact}?
look up {fact} for me
check online {fact}
search for articles about {topic}
find me a few articles on {topic}
search up {term}
what's the meaning of {term}?
explain {term} in one sentence
um, what's, uh, {term}?
pull up search results for {topic}
find information on {term}
search for news about {topic}
I'm trying to remember {fact}, can you look it up?
any idea {fact}? look it up
look up reviews of {product}
search for {product} reviews
find out {fact}, please
search the internet for {term}
do a web search for {topic}
look up {person}'s phone number
look up who {person} is
search for {topic} and read me the top result
what does the term {term} refer to?
look up what time {event} starts
search for the address of {business}
look up the opening hours of {business}
search for {term} on Wikipedia
find the definition of {term}
look something up for me: {term}
what's the latest on {topic}?
