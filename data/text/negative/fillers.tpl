# Not addressed: short fillers, reactions and backchannel.
@gate 0
@weight 0.8
(um|uh|hmm|erm) @w=0.5
(yeah|yep|yup|yeah yeah)
(okay|ok|alright) @w=0.5
(mm-hmm|uh-huh|mhm)
right, right
no way
oh my (gosh|god|goodness)
sure, sure
I know, right?
hmm, I don't know
really?
(wow|whoa)
oh, okay
yeah, (totally|exactly|for sure|definitely)
wait, what?
that's (crazy|wild|insane|amazing)
ha, nice
(uh|um), let me think
no, no, it's (fine|okay)
(yep|okay), got it
hold on a (second|sec|minute)
oh, come on
seriously?
fair enough
okay, (cool|great|perfect)
not bad
oh well
mm, maybe
yeah, I guess so
(oops|whoops)
whatever works
oh, thanks
you bet
sounds good (to me|)
(yeah|no), I (mean|guess|think so)
(huh|hm), interesting
(ugh|argh), (fine|whatever)
no, (not really|not yet|never mind)
oh (nice|cool|wow), (really|seriously)?
