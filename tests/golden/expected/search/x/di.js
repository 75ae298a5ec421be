(self.siteSearchData=self.siteSearchData||{})["x/di"]={"df":"05010202","terms":"diffus distil distribut diverg"};
