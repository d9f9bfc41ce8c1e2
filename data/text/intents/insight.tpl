# Insights from the user's own data: spending, health, time, habits, contacts.
@intents hasInsightIntent
@prefix [{wake},^0.3] [{hes},^0.1]
how much did I spend on {spend_cat} {period}? @w=3
how did I sleep {period}? @w=2
what's my average {metric} {period}?
summarize my week
give me some insights on {data_domain}
what trends do you see in {data_domain}?
when was the last time I talked to {person}?
how often have I met with {person} {period}?
how much time did I spend in meetings {period}?
how did my {metric} change since {event}?
am I on track with my savings goal?
what are my most productive hours?
compare my {metric} {period} to the month before
what did {person} and I talk about last time?
how many steps did I take {period}?
what's my biggest expense {period}?
where is most of my money going?
show me a breakdown of my spending {period}
analyze {data_domain} {period}
any patterns in {data_domain}?
how much did we spend on {event}?
how much have I spent at {restaurant} {period}?
what day of the week do I sleep worst?
is my {metric} getting better or worse?
give me a summary of my {metric} {period}
(can|could) you tell me how my {metric} looks {period}?
how many hours did I work {period}?
what's my screen time been like {period}?
which subscriptions am I paying for that I never use?
how many times did I go to the gym {period}?
who have I been talking to the most {period}?
how much time have I spent with {person} {period}?
what did I get done {period}?
give me a recap of {period}
what were the highlights of {event} for me, based on my notes?
how does my spending compare to last year?
um, how much did I, uh, spend on {spend_cat} {period}?
what's the trend in my {metric} over time?
tell me something interesting about {data_domain}
how consistent have I been with my workouts {period}?
when do I usually go to bed?
what's my average commute {period}?
how many emails did I get from {person} {period}?
what's my longest streak of running days?
how much did {event} cost us in total?
where did I spend the most time {period}?
what are my top spending categories {period}?
give me a weekly report of {data_domain}
did I drink enough water {period}?
how does my {metric} on weekends compare to weekdays?
