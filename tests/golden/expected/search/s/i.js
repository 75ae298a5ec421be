(self.siteSearchData=self.siteSearchData||{})["s/i"]={"terms":"biton diffus distil distribut diverg github give simul without"};
